/**
 * Lease expiry (requeueExpiredLeases in internal/scheduler/engine.go).
 *
 * The gateway looks for expired leases **only at the start of a poll** (any
 * worker's poll), never on a timer and never on another request. So a task whose
 * worker vanished stays Assigned, in every view, until somebody polls.
 *
 * For each Assigned or Running task holding a lease that ended before now:
 * - when the attempt also ran past `timeout_sec` (lease start + timeout <= now)
 *   and attempt > max_retries: Failed, error `task timed out after N attempt(s)`;
 * - when it ran past `timeout_sec` with retries left: Queued, error
 *   `task timed out, retrying attempt N+1`, not assignable before now + the
 *   retry backoff of its attempt;
 * - otherwise (the lease simply lapsed): Queued, assignable at once, attempt
 *   unchanged. Expiry alone never fails a task without `timeout_sec`.
 * In every case the worker and lease are cleared, a re-queued task's reference is
 * enqueued, and the job status is recounted.
 */
import { reconcileJobStatus } from './jobStatus.js';
import { attemptTimedOut, retryBackoffMs, type Backoff } from './leases.js';
import type { Store } from './store.js';
import type { JobRecord } from './types.js';

export function requeueExpiredLeases(store: Store, nowMs: number, backoff: Backoff): void {
  const expired = store.expiredLeases(nowMs);
  if (expired.length === 0) return;
  const jobs = new Set<JobRecord>();
  for (const task of expired) {
    jobs.add(task.job);
    const timedOut = attemptTimedOut(task, nowMs);
    if (timedOut && task.attempt > task.maxRetries) {
      store.setStatus(task, 'Failed');
      // The gateway clears the lease id but leaves LeaseExpires as it was.
      store.clearLease(task, task.leaseExpiresMs);
      task.error = `task timed out after ${task.attempt} attempt(s)`;
      task.job.error = task.error;
    } else {
      store.setStatus(task, 'Queued');
      const notBeforeMs = timedOut ? nowMs + retryBackoffMs(task.attempt, backoff) : 0;
      store.clearLease(task, notBeforeMs);
      if (timedOut) task.error = `task timed out, retrying attempt ${task.attempt + 1}`;
      store.enqueue(task);
      store.emit({ type: 'task.requeued', jobId: task.jobId, taskId: task.taskId, attempt: task.attempt, reason: timedOut ? 'timed_out' : 'lease_expired', notBeforeMs });
    }
    store.setWorker(task, '');
    store.touch(task, nowMs);
  }
  for (const job of jobs) reconcileJobStatus(store, job, nowMs);
}
