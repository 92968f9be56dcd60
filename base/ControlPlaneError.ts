/**
 * A control-plane call did not succeed. `kind` tells the machines what to do;
 * keeping these apart is the point (style.md rule 7):
 * - `auth`: 401/403, a configuration problem; retrying will not help.
 * - `not-registered`: 404 `worker not registered` on heartbeat/poll, the control plane forgot this worker: register again.
 * - `stale-lease`: 400 stale lease on a report, the task was re-leased elsewhere: drop the result.
 * - `job-gone`: 404 `job not found` or 400 `task <id> not found` on a report: nobody wants the result.
 * - `rejected`: any other 4xx of register or healthz: the request itself is wrong; do not retry it.
 * - `transient`: 5xx, timeout, connection error, unreadable reply, and any other
 *   400/404 of heartbeat, poll and report (the gateway's store failing): try again later.
 * See classifyResponse.ts.
 */
export type ControlPlaneErrorKind = 'auth' | 'not-registered' | 'stale-lease' | 'job-gone' | 'rejected' | 'transient';

export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';

  constructor(
    readonly kind: ControlPlaneErrorKind,
    /** Which call: `register`, `heartbeat`, `poll`, `report`, `healthz`. */
    readonly operation: string,
    /** What went wrong, without the operation (`message` is `<operation>: <detail>`). */
    readonly detail: string,
    /** HTTP status, when a reply arrived. */
    readonly status?: number,
  ) {
    super(`${operation}: ${detail}`);
  }
}

export const isControlPlaneError = (error: unknown): error is ControlPlaneError =>
  error instanceof Error && error.name === 'ControlPlaneError';

/** A 401/403 from the control plane: its token was refused. */
export const isAuthFailure = (error: unknown): boolean => isControlPlaneError(error) && error.kind === 'auth';
