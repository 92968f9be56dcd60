/**
 * A worker's poll (PollAssignments and tryAssign in internal/scheduler/engine.go).
 *
 * 1. Expired leases are re-queued first (expiry.ts): the only place they are.
 * 2. The poll claims `32 x max_tasks` references from the front of the queue
 *    (queue.ts). None at all: the reply is `{"assignments": null}`.
 * 3. The claims are ordered by priority rank (highest first), then by task
 *    creation time (oldest job first; all tasks of a job share one creation
 *    time), then by the FNV hash of `<job>/<task>|<poller>` (highest first). So
 *    within one job the order is the hash's, not the submission's.
 * 4. While fewer than `max_tasks` are assigned, each claim is tried: its job must
 *    be Running, the task Queued, out of its retry backoff and with every
 *    dependency Completed; the poller must be the best worker for it (score.ts);
 *    and a poller at capacity gets it only by pre-empting (capacity.ts,
 *    preemption.ts).
 * 5. Every claim not assigned, tried or not, goes back to the end of the queue
 *    in that order. The reply is the list, possibly `[]`.
 *
 * Duplicate and stale references are claimed like any other, so a window full of
 * them gives `[]` while assignable work waits behind it. A worker must poll again
 * soon after `[]`.
 */
import type { Assignment } from '../protocol/schemas.js';
import { atCapacity } from './capacity.js';
import { requeueExpiredLeases } from './expiry.js';
import { claimTieHash } from './fnv.js';
import { formatLeaseId, leaseExpiryMs, type Backoff } from './leases.js';
import { preemptFor } from './preemption.js';
import type { Random } from './random.js';
import { bestWorker } from './score.js';
import type { Store } from './store.js';
import type { TaskRecord, WorkerRecord } from './types.js';

/** Settings a poll depends on. */
export interface PollSettings {
  readonly leaseMs: number;
  readonly backoff: Backoff;
  /** Whether a poller at capacity may pre-empt (the gateway: always). */
  readonly preempt: boolean;
  /** The random sequence standing in for Go's map order when workers tie (score.ts). */
  readonly random: Random;
}

/** How many references a poll claims for `max` tasks. */
export const claimWindow = (max: number): number => max * 32;

interface Claim {
  readonly task: TaskRecord;
  readonly tie: number;
}

/** The claim tie hash of a task for a poller, remembered for the last poller (workers poll again and again). */
function tieOf(task: TaskRecord, pollerId: string): number {
  if (task.claimTiePoller !== pollerId) {
    task.claimTie = claimTieHash(task.jobId, task.taskId, pollerId);
    task.claimTiePoller = pollerId;
  }
  return task.claimTie;
}

/** The gateway's claim order: rank desc, creation asc, tie hash desc; stable for equal keys. */
function orderClaims(tasks: readonly TaskRecord[], pollerId: string): TaskRecord[] {
  const claims: Claim[] = tasks.map((task) => ({ task, tie: tieOf(task, pollerId) }));
  claims.sort((a, b) =>
    b.task.rank - a.task.rank ||
    a.task.createdAtMs - b.task.createdAtMs ||
    a.task.job.seq - b.task.job.seq ||
    b.tie - a.tie,
  );
  return claims.map((c) => c.task);
}

/**
 * Leases up to `max` tasks to the worker; null when the queue was empty.
 * `max` must already be at least 1.
 */
export function pollAssignments(store: Store, worker: WorkerRecord, max: number, nowMs: number, settings: PollSettings): Assignment[] | null {
  requeueExpiredLeases(store, nowMs, settings.backoff);
  const claimed = store.claim(claimWindow(max));
  if (claimed.length === 0) return null;
  const assignments: Assignment[] = [];
  const back: TaskRecord[] = [];
  for (const task of orderClaims(claimed, worker.workerId)) {
    const assignment = assignments.length < max ? tryAssign(store, worker, task, nowMs, settings) : undefined;
    if (assignment === undefined) back.push(task);
    else assignments.push(assignment);
  }
  store.putBack(back);
  return assignments;
}

function tryAssign(store: Store, worker: WorkerRecord, task: TaskRecord, nowMs: number, settings: PollSettings): Assignment | undefined {
  if (task.job.status !== 'Running') return undefined;
  if (task.status !== 'Queued') return undefined;
  if (task.leaseExpiresMs > nowMs) return undefined; // retry backoff not over
  if (task.pendingDeps > 0) return undefined;
  // With one registered worker (the poller) it is the best or nobody is: either way it may take the task.
  if (store.workers.size > 1) {
    const best = bestWorker(store.workerList(), task, settings.random);
    if (best !== undefined && best !== worker.workerId) return undefined;
  }
  if (atCapacity(worker) && !(settings.preempt && preemptFor(store, worker, task, nowMs))) return undefined;
  return assign(store, worker, task, nowMs, settings.leaseMs);
}

function assign(store: Store, worker: WorkerRecord, task: TaskRecord, nowMs: number, leaseMs: number): Assignment {
  task.attempt += 1;
  store.setStatus(task, 'Assigned');
  store.setWorker(task, worker.workerId);
  task.leaseStartMs = nowMs;
  store.grantLease(task, formatLeaseId(worker.workerId, task.taskId, task.attempt, nowMs), nowMs, leaseExpiryMs(task, nowMs, leaseMs));
  store.touch(task, nowMs);
  task.job.updatedAtMs = nowMs;
  const assignment: Assignment = {
    job_id: task.jobId,
    task_id: task.taskId,
    type: task.type,
    inputs: assignmentInputs(task),
    attempt: task.attempt,
    lease_id: task.leaseId,
  };
  store.emit({ type: 'task.assigned', workerId: worker.workerId, assignment });
  return assignment;
}

/**
 * The task's inputs plus `dep:<d>:output_uri` for each dependency (its current
 * output URI), keys in Go's order: encoding/json writes map keys sorted.
 */
function assignmentInputs(task: TaskRecord): Record<string, string> {
  if (task.deps.length === 0) return { ...task.inputs };
  const merged: Record<string, string> = { ...task.inputs };
  for (const dep of task.deps) merged[`dep:${dep.taskId}:output_uri`] = dep.outputUri;
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(merged).sort()) sorted[key] = merged[key]!;
  return sorted;
}
