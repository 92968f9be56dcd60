import type { ControlPlaneErrorKind } from './ControlPlaneError.js';

export type Operation = 'register' | 'heartbeat' | 'poll' | 'report' | 'healthz';

/** Map a non-2xx reply of the gateway to what the worker should do about it. */
export function classifyStatus(operation: Operation, status: number, errorText: string): ControlPlaneErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500 || status === 408 || status === 429) return 'transient';
  if (status === 404 && (operation === 'heartbeat' || operation === 'poll')) return 'not-registered';
  if (status === 404 && operation === 'report') return 'job-gone';
  if (status === 400 && operation === 'report' && /stale lease/i.test(errorText)) return 'stale-lease';
  return 'rejected';
}
