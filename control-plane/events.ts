/**
 * What the control plane tells its listeners. Tests subscribe to count reports
 * per task, to see re-queues, or to wait for a job.
 */
import type { Assignment } from '../protocol/schemas.js';
import type { JobView } from './types.js';
import type { ReportBody } from './wire.js';

/**
 * How a report was handled:
 * - `accepted`: applied (and kept in the task's history), even when the task had
 *   already ended: the gateway applies late reports again;
 * - `duplicate`: same idempotency key as the last accepted one: 200, no change;
 * - `ignored`: the job is Canceled or Archived: 200, no change;
 * - `stale`: refused with 400 `stale lease for task <id>`.
 */
export type ReportOutcome = 'accepted' | 'duplicate' | 'ignored' | 'stale';

/**
 * Why a task went back to Queued:
 * - `lease_expired`: its lease ran out (seen at the start of a poll); assignable at once;
 * - `timed_out`: its lease ran out past `timeout_sec`; assignable after the retry backoff;
 * - `failed`: a report other than Running/Completed, with retries left; after the backoff;
 * - `preempted`: a higher-priority task took its place on a worker at capacity; at once.
 */
export type RequeueReason = 'lease_expired' | 'timed_out' | 'failed' | 'preempted';

export type ControlPlaneEvent =
  | { readonly type: 'worker.registered'; readonly workerId: string }
  | { readonly type: 'worker.heartbeat'; readonly workerId: string }
  | { readonly type: 'task.assigned'; readonly workerId: string; readonly assignment: Assignment }
  | {
      readonly type: 'task.requeued';
      readonly jobId: string;
      readonly taskId: string;
      readonly attempt: number;
      readonly reason: RequeueReason;
      /** Not assignable before this control-plane time (retry backoff); 0 when at once. */
      readonly notBeforeMs: number;
    }
  | { readonly type: 'report'; readonly outcome: ReportOutcome; readonly report: ReportBody }
  | { readonly type: 'job.status'; readonly job: JobView };

export type ControlPlaneListener = (event: ControlPlaneEvent) => void;
