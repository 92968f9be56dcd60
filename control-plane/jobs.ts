/**
 * Jobs as explicit task DAGs: building the records from a submission (with its
 * checks: duplicate ids, unknown dependencies, cycles) and the read-only views.
 *
 * The real gateway plans a DAG from a job type; the development control plane
 * takes the DAG itself, which is what a test or a demo wants to control.
 */
import { GatewayError } from './GatewayError.js';
import type { JobRecord, JobView, TaskCounts, TaskRecord, TaskView } from './types.js';
import type { JobSubmission } from './wire.js';

/** Settings that shape new tasks. */
export interface JobDefaults {
  /** `max_retries` of a task that does not give one (the gateway default is 3). */
  readonly maxRetries: number;
}

/**
 * Builds a job's records from a validated submission. Throws GatewayError 400 on
 * a duplicate task id, a dependency on an unknown task, or a cycle.
 *
 * @param nextSeq returns a control-plane-wide increasing number (FIFO order of tasks)
 */
export function buildJob(
  jobId: string,
  submission: JobSubmission,
  defaults: JobDefaults,
  nowMs: number,
  nextSeq: () => number,
): JobRecord {
  const tasks = new Map<string, TaskRecord>();
  for (const t of submission.tasks) {
    if (tasks.has(t.task_id)) throw new GatewayError(400, `duplicate task id ${t.task_id}`);
    const dependsOn = [...new Set(t.depends_on ?? [])];
    tasks.set(t.task_id, {
      jobId,
      taskId: t.task_id,
      type: t.type,
      inputs: { ...(t.inputs ?? {}) },
      dependsOn,
      maxRetries: t.max_retries ?? defaults.maxRetries,
      timeoutSec: t.timeout_sec ?? 0,
      seq: nextSeq(),
      status: 'Queued',
      attempt: 0,
      workerId: '',
      leaseId: '',
      leaseStartMs: 0,
      leaseExpiresMs: 0,
      notBeforeMs: 0,
      outputUri: '',
      error: '',
      lastIdempotencyKey: '',
      reports: [],
      pendingDeps: dependsOn.length,
      dependents: [],
    });
  }
  for (const task of tasks.values()) {
    for (const dep of task.dependsOn) {
      const parent = tasks.get(dep);
      if (!parent) throw new GatewayError(400, `task ${task.taskId} depends on unknown task ${dep}`);
      parent.dependents.push(task);
    }
  }
  const cycle = findCycle(tasks);
  if (cycle) throw new GatewayError(400, `dependency cycle: ${cycle.join(' -> ')}`);
  return { jobId, status: 'Queued', tasks, completedTasks: 0, resultUri: '', error: '', createdAtMs: nowMs, updatedAtMs: nowMs };
}

/** A cycle as a list of task ids (first id repeated at the end), or undefined for a DAG. */
function findCycle(tasks: ReadonlyMap<string, TaskRecord>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of tasks.get(id)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of tasks.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Counts a job's tasks by state. */
export function countTasks(job: JobRecord): TaskCounts {
  const counts: TaskCounts = { total: 0, queued: 0, assigned: 0, running: 0, completed: 0, failed: 0, canceled: 0 };
  for (const task of job.tasks.values()) {
    counts.total++;
    switch (task.status) {
      case 'Queued': counts.queued++; break;
      case 'Assigned': counts.assigned++; break;
      case 'Running': counts.running++; break;
      case 'Completed': counts.completed++; break;
      case 'Failed': counts.failed++; break;
      case 'Canceled': counts.canceled++; break;
    }
  }
  return counts;
}

export function jobView(job: JobRecord): JobView {
  return {
    job_id: job.jobId,
    status: job.status,
    result_artifact_uri: job.resultUri,
    error: job.error,
    tasks: countTasks(job),
    created_at_ms: job.createdAtMs,
    updated_at_ms: job.updatedAtMs,
  };
}

export function taskView(task: TaskRecord): TaskView {
  return {
    task_id: task.taskId,
    type: task.type,
    status: task.status,
    attempt: task.attempt,
    max_retries: task.maxRetries,
    timeout_sec: task.timeoutSec,
    depends_on: [...task.dependsOn],
    worker_id: task.workerId,
    lease_id: task.leaseId,
    lease_expires_at_ms: task.leaseExpiresMs,
    output_artifact_uri: task.outputUri,
    error: task.error,
    reports: task.reports.map((r) => ({ ...r })),
  };
}
