/**
 * What the control plane tells its listeners. Tests subscribe to count reports
 * per task, to see re-queues, or to wait for a job.
 */
import type { Assignment } from '../protocol/schemas.js';
import type { JobView } from './types.js';
import type { ReportBody } from './wire.js';

/**
 * How a report was handled:
 * - `accepted`: applied (and kept in the task's history);
 * - `duplicate`: same idempotency key as the last accepted one: 200, no change;
 * - `ignored`: the job is Canceled or Archived, or the task already ended: 200, no change;
 * - `stale`: refused with 400 `stale lease for task <id>`.
 */
export type ReportOutcome = 'accepted' | 'duplicate' | 'ignored' | 'stale';

export type ControlPlaneEvent =
  | { readonly type: 'worker.registered'; readonly workerId: string }
  | { readonly type: 'worker.heartbeat'; readonly workerId: string }
  | { readonly type: 'task.assigned'; readonly workerId: string; readonly assignment: Assignment }
  | {
      readonly type: 'task.requeued';
      readonly jobId: string;
      readonly taskId: string;
      readonly attempt: number;
      readonly reason: 'lease_expired' | 'failed';
      /** Not assignable before this control-plane time (retry backoff); 0 for expiry. */
      readonly notBeforeMs: number;
    }
  | { readonly type: 'report'; readonly outcome: ReportOutcome; readonly report: ReportBody }
  | { readonly type: 'job.status'; readonly job: JobView };

export type ControlPlaneListener = (event: ControlPlaneEvent) => void;
