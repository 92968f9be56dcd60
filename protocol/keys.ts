/** Idempotency keys and URIs exactly as the reference worker builds them. */

/** Key of the `Running` report: `<worker>:<job>:<task>:<attempt>:running`. */
export function runningKey(workerId: string, jobId: string, taskId: string, attempt: number): string {
  return `${workerId}:${jobId}:${taskId}:${attempt}:running`;
}

/** Key of the final (`Completed` / `Failed`) report: `<worker>:<job>:<task>:<attempt>`. */
export function finalKey(workerId: string, jobId: string, taskId: string, attempt: number): string {
  return `${workerId}:${jobId}:${taskId}:${attempt}`;
}

/** A task's identity for de-duplication: the same tuple delivered twice is run once. */
export function assignmentKey(a: { job_id: string; task_id: string; attempt: number; lease_id: string }): string {
  return `${a.job_id}\u0000${a.task_id}\u0000${a.attempt}\u0000${a.lease_id}`;
}
