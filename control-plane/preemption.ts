/**
 * Pre-emption (tryPreemptLowerPriority in internal/scheduler/engine.go).
 *
 * When the poller is at capacity (capacity.ts), the gateway still gives it the
 * task if it can push out one of the poller's own tasks of lower priority: it
 * looks at the tasks the worker holds (Assigned or Running), least recently
 * updated first, and re-queues the first one whose rank is below the incoming
 * task's. That task becomes Queued with no worker and no lease, error
 * `preempted for higher-priority task`, and its reference goes to the end of the
 * queue. Nobody tells the worker: its later reports for that task are stale (if
 * the task was leased again elsewhere) or re-open it. Only one task is pushed out
 * per assignment; the job status is not recounted.
 *
 * The gateway cannot switch this off (NewEngine turns a false Preempt back into
 * true); the `preempt` option exists for tests where it would get in the way, and
 * keeps the capacity check.
 */
import type { Store } from './store.js';
import type { TaskRecord, WorkerRecord } from './types.js';

export const PREEMPTED_ERROR = 'preempted for higher-priority task';

const byLeastRecentlyUpdated = (a: TaskRecord, b: TaskRecord): number => a.updatedAtMs - b.updatedAtMs || a.updateSeq - b.updateSeq;

/** Re-queues one lower-priority task of the worker for `incoming`; whether it did. */
export function preemptFor(store: Store, worker: WorkerRecord, incoming: TaskRecord, nowMs: number): boolean {
  if (incoming.rank <= 0) return false;
  const victims = [...store.heldBy(worker.workerId)].sort(byLeastRecentlyUpdated);
  const victim = victims.find((task) => task.rank < incoming.rank);
  if (victim === undefined) return false;
  store.setStatus(victim, 'Queued');
  store.setWorker(victim, '');
  store.clearLease(victim);
  victim.error = PREEMPTED_ERROR;
  store.touch(victim, nowMs);
  store.enqueue(victim);
  store.emit({ type: 'task.requeued', jobId: victim.jobId, taskId: victim.taskId, attempt: victim.attempt, reason: 'preempted', notBeforeMs: 0 });
  return true;
}
