import type { ControlPlaneErrorKind } from '../base/ControlPlaneError.js';

export type Operation = 'register' | 'heartbeat' | 'poll' | 'report' | 'healthz';

/**
 * Map a non-2xx reply of the gateway to what the worker should do about it.
 *
 * The gateway answers any failure of its own store or queue with the status of
 * the endpoint's usual refusal: 400 on report, 404 on heartbeat and poll. So the
 * status alone says little; the message decides. Only these are final:
 * - heartbeat/poll 404 `worker not registered`: register again;
 * - report 404 `job not found`, 400 `task <id> not found`: nobody wants the result;
 * - report 400 `stale lease for task <id>`: the task is leased elsewhere.
 * Any other 400/404 there is the gateway failing: transient, retried with backoff.
 */
export function classifyStatus(operation: Operation, status: number, errorText: string): ControlPlaneErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500 || status === 408 || status === 429) return 'transient';
  if (operation === 'heartbeat' || operation === 'poll') {
    if (status === 404) return /\bworker not registered\b/i.test(errorText) ? 'not-registered' : 'transient';
  }
  if (operation === 'report') {
    if (status === 404) return /\bjob not found\b/i.test(errorText) ? 'job-gone' : 'transient';
    if (status === 400) {
      if (/\bstale lease\b/i.test(errorText)) return 'stale-lease';
      if (/^task .* not found$/i.test(errorText.trim())) return 'job-gone';
      return 'transient';
    }
  }
  return 'rejected';
}
