/**
 * Lease arithmetic, as the gateway computes it (internal/scheduler/engine.go:
 * newLeaseID, taskAttemptDeadline, leaseStartFromID, retryBackoff).
 *
 * - A lease id is `<worker>:<task>:<attempt>:<unix nanos of the lease start>`.
 * - A task's deadline for one attempt is the lease start + `timeout_sec`; without
 *   `timeout_sec` (0) there is none.
 * - A lease runs until now + the lease duration (15 s by default), never past
 *   the deadline: when it is granted (tryAssign) and at each heartbeat of its
 *   holder (extendWorkerLeasesWithTimeout).
 * - A `Running` report clears the lease. Lease expiry only looks at tasks that
 *   hold one, so a task whose worker died after reporting `Running` stays Running.
 */
import { unixNanos } from './clock.js';
import type { TaskRecord } from './types.js';

/** Formats a lease id exactly as the gateway does. */
export function formatLeaseId(workerId: string, taskId: string, attempt: number, startMs: number): string {
  return `${workerId}:${taskId}:${attempt}:${unixNanos(startMs)}`;
}

/** The end of the current attempt (`timeout_sec` after the lease start), or Infinity without a timeout. */
export function attemptDeadlineMs(task: Pick<TaskRecord, 'timeoutSec' | 'leaseStartMs'>): number {
  return task.timeoutSec > 0 ? task.leaseStartMs + task.timeoutSec * 1000 : Number.POSITIVE_INFINITY;
}

/** The expiry a lease gets at `nowMs`: now + duration, capped by the attempt deadline. */
export function leaseExpiryMs(task: Pick<TaskRecord, 'timeoutSec' | 'leaseStartMs'>, nowMs: number, leaseMs: number): number {
  return Math.min(nowMs + leaseMs, attemptDeadlineMs(task));
}

/**
 * Whether an expired lease also ran out its attempt (requeueExpiredLeases): with
 * a `timeout_sec`, when the lease start + timeout is not after now.
 */
export function attemptTimedOut(task: Pick<TaskRecord, 'timeoutSec' | 'leaseStartMs'>, nowMs: number): boolean {
  return task.timeoutSec > 0 && attemptDeadlineMs(task) <= nowMs;
}

/** Whether a heartbeat at `nowMs` extends this lease: it must not have run out already (expiry <= now). */
export function extendable(task: Pick<TaskRecord, 'leaseId' | 'leaseExpiresMs'>, nowMs: number): boolean {
  return task.leaseId !== '' && (task.leaseExpiresMs === 0 || task.leaseExpiresMs > nowMs);
}

/** Settings of the retry backoff. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before a failed or timed-out task may run again: base x 2^(attempt-1),
 * capped (1 s, 2 s, 4 s ... 32 s on the gateway; an attempt below 1 counts as 1).
 * Tests shrink the base to run fast.
 */
export function retryBackoffMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.baseMs * 2 ** Math.max(0, attempt - 1), backoff.maxMs);
}
