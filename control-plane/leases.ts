/**
 * Leases, as the gateway grants, extends and expires them.
 *
 * - A lease id is `<worker>:<task>:<attempt>:<unix nanos of the lease start>`.
 * - A lease lasts the lease duration (15 s by default); each heartbeat of the
 *   holder extends it to now + duration, never beyond the task's deadline
 *   (`timeout_sec` counted from the lease start).
 * - Only an `Assigned` task is re-queued when its lease expires. A `Running`
 *   report clears the lease, so a Running task is never re-queued by expiry: this
 *   is the gateway's behaviour and the reason a restarting worker must report its
 *   orphaned tasks `Failed` itself.
 */
import { unixNanos } from './clock.js';
import type { TaskRecord } from './types.js';

/** Formats a lease id exactly as the gateway does. */
export function formatLeaseId(workerId: string, taskId: string, attempt: number, startMs: number): string {
  return `${workerId}:${taskId}:${attempt}:${unixNanos(startMs)}`;
}

/** The task's hard deadline for the current lease, or Infinity without `timeout_sec`. */
export function leaseDeadlineMs(task: TaskRecord): number {
  return task.timeoutSec > 0 ? task.leaseStartMs + task.timeoutSec * 1000 : Number.POSITIVE_INFINITY;
}

/** Assigns the task to a worker: next attempt, new lease starting now. */
export function grantLease(task: TaskRecord, workerId: string, nowMs: number, leaseMs: number): void {
  task.attempt += 1;
  task.status = 'Assigned';
  task.workerId = workerId;
  task.leaseStartMs = nowMs;
  task.leaseId = formatLeaseId(workerId, task.taskId, task.attempt, nowMs);
  task.leaseExpiresMs = Math.min(nowMs + leaseMs, leaseDeadlineMs(task));
}

/** Whether a heartbeat of the holder extends this task's lease. */
export function holdsExtendableLease(task: TaskRecord, workerId: string): boolean {
  return task.workerId === workerId && task.leaseExpiresMs > 0 && (task.status === 'Assigned' || task.status === 'Running');
}

/** A heartbeat's effect: the lease runs until now + duration, capped at the deadline. */
export function extendLease(task: TaskRecord, nowMs: number, leaseMs: number): void {
  task.leaseExpiresMs = Math.min(nowMs + leaseMs, leaseDeadlineMs(task));
}

/** Go's `now.After(expiry)`: the lease is still valid at the exact expiry instant. */
export function leaseExpired(task: TaskRecord, nowMs: number): boolean {
  return task.status === 'Assigned' && task.leaseExpiresMs > 0 && nowMs > task.leaseExpiresMs;
}

/** Forgets the lease (Running report, completion, failure, re-queue). */
export function clearLease(task: TaskRecord): void {
  task.leaseId = '';
  task.leaseExpiresMs = 0;
}

/**
 * Delay before a failed task may run again: base x 2^(attempt-1), capped
 * (1 s, 2 s, 4 s ... 32 s on the gateway). Tests shrink the base to run fast.
 */
export function retryBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}
