/**
 * A task report (ReportTaskResult in internal/scheduler/engine.go; the HTTP
 * checks before it, body and token, are in routes.ts).
 *
 * Checks, in the gateway's order: unknown job 404 `job not found`; unknown task
 * 400 `task <id> not found`; job Canceled or Archived: 200, nothing changes;
 * idempotency key equal to the task's last accepted key: 200, nothing changes;
 * a report lease id and a task lease id, both set and different: 400
 * `stale lease for task <id>`.
 *
 * Then the report is **applied, even when the task already ended**: output URI,
 * error and key are taken from it and the lease is cleared.
 * - `Running`: the task is Running on the report's worker id. Nothing else (the
 *   job is not recounted).
 * - `Completed` (or no status): Completed.
 * - Anything else counts as Failed: while attempt <= max_retries the task is
 *   Queued again, with no worker, not assignable before now + backoff, and the
 *   job message says `retrying task <id>`; otherwise Failed.
 * After a final report: a completed model_download adds its model to the
 * reporting worker; a completed task enqueues **every** Queued task of the job
 * whose dependencies are all Completed, whether or not the queue already holds
 * it; and the job status is recounted (jobStatus.ts).
 */
import type { TaskStatus } from '../protocol/schemas.js';
import type { ReportOutcome } from './events.js';
import { GatewayError } from './GatewayError.js';
import { recountAfterReport } from './jobStatus.js';
import { retryBackoffMs, type Backoff } from './leases.js';
import type { Store } from './store.js';
import type { TaskRecord } from './types.js';
import type { ReportBody } from './wire.js';
import { addModel } from './workers.js';

/** Empty means Completed; anything but Running and Completed counts as Failed. */
export function effectiveStatus(status: string): TaskStatus {
  if (status === '' || status === 'Completed') return 'Completed';
  return status === 'Running' ? 'Running' : 'Failed';
}

/**
 * Applies a report and returns how it was handled. Throws GatewayError for the
 * 404/400 answers and StoreFailure when the store refuses the write.
 */
export function reportTaskResult(store: Store, body: ReportBody, nowMs: number, backoff: Backoff): ReportOutcome {
  const job = store.jobs.get(body.job_id ?? '');
  if (job === undefined) throw new GatewayError(404, 'job not found');
  const taskId = body.task_id ?? '';
  const task = job.tasks.get(taskId);
  if (task === undefined) throw new GatewayError(400, `task ${taskId} not found`);
  if (job.status === 'Canceled' || job.status === 'Archived') return 'ignored';
  const key = body.idempotency_key ?? '';
  if (key !== '' && key === task.lastReportKey) return 'duplicate';
  const leaseId = body.lease_id ?? '';
  if (leaseId !== '' && task.leaseId !== '' && leaseId !== task.leaseId) return 'stale';
  store.checkWrite();

  const status = effectiveStatus(body.status ?? '');
  const workerId = body.worker_id ?? '';
  task.reports.push({
    worker_id: workerId,
    status,
    reported_status: body.status ?? '',
    lease_id: leaseId,
    idempotency_key: key,
    output_artifact_uri: body.output_artifact_uri ?? '',
    error: body.error ?? '',
    duration_millis: body.duration_millis ?? 0,
    attempt: task.attempt,
    at_ms: nowMs,
  });
  task.outputUri = body.output_artifact_uri ?? '';
  task.error = body.error ?? '';
  task.lastReportKey = key;
  store.clearLease(task);
  store.touch(task, nowMs);

  if (status === 'Running') {
    store.setStatus(task, 'Running');
    store.setWorker(task, workerId);
    return 'accepted';
  }
  if (status === 'Completed') {
    store.setStatus(task, 'Completed');
  } else if (task.attempt <= task.maxRetries) {
    requeueFailed(store, task, nowMs, backoff);
  } else {
    store.setStatus(task, 'Failed');
    job.error = task.error;
  }

  if (status === 'Completed') {
    if (task.type.toLowerCase() === 'model_download' && workerId.trim() !== '') {
      const model = (task.inputs['model'] ?? '').trim();
      const worker = store.workers.get(workerId);
      if (model !== '' && worker !== undefined) addModel(worker, model);
    }
    // Snapshot first: enqueueing does not change the set, but keep the loop plainly safe.
    for (const ready of [...job.readyQueued]) store.enqueue(ready);
  }
  recountAfterReport(store, job, task, nowMs);
  return 'accepted';
}

function requeueFailed(store: Store, task: TaskRecord, nowMs: number, backoff: Backoff): void {
  const notBeforeMs = nowMs + retryBackoffMs(task.attempt, backoff);
  store.setStatus(task, 'Queued');
  store.setWorker(task, '');
  store.clearLease(task, notBeforeMs);
  store.enqueue(task);
  task.job.message = `retrying task ${task.taskId}`;
  store.emit({ type: 'task.requeued', jobId: task.jobId, taskId: task.taskId, attempt: task.attempt, reason: 'failed', notBeforeMs });
}
