/**
 * The control plane's state: workers, jobs, tasks and the queue, with the
 * indexes that keep every operation cheap. It plays the part of the gateway's
 * store and queue (internal/state/memory_store.go, memory_queue.go).
 *
 * Every change of a task's status, worker or lease goes through this class, so
 * the indexes cannot drift:
 * - the tasks each worker holds (Assigned or Running with that worker id), which
 *   heartbeats extend and pre-emption picks from: the gateway lists them with a
 *   scan of the whole store, here it is a lookup;
 * - the tasks holding a lease, with a lower bound of their earliest expiry, so
 *   the expiry check at the start of a poll is one comparison most of the time;
 * - per job, the Completed and Failed counts (the job status is recounted after
 *   every report) and the Queued tasks whose dependencies are all Completed.
 *
 * It can also be told to fail, like a store whose database is down:
 * {@link Store.failWrites} makes the next write throw a {@link StoreFailure},
 * which each operation answers the way its gateway handler does.
 */
import type { ControlPlaneEvent } from './events.js';
import { RefQueue } from './queue.js';
import type { JobRecord, TaskRecord, TaskState, WorkerRecord } from './types.js';

/** A failure inside the store or queue; its message is what the gateway puts in the error body. */
export class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
}

export function isStoreFailure(error: unknown): error is StoreFailure {
  return error instanceof Error && error.name === 'StoreFailure';
}

/** What a claimed reference that cannot be assigned becomes. */
export type StaleRefs = 'keep' | 'drop';

const held = (status: TaskState): boolean => status === 'Assigned' || status === 'Running';

export class Store {
  readonly #workers = new Map<string, WorkerRecord>();
  #workerList: WorkerRecord[] | undefined;
  readonly jobs = new Map<string, JobRecord>();
  readonly #queue = new RefQueue<TaskRecord>(1024);
  readonly #held = new Map<string, Set<TaskRecord>>();
  readonly #leased = new Set<TaskRecord>();
  #expiryBoundMs = Number.POSITIVE_INFINITY;
  #updateSeq = 0;
  #writeFailure: string | undefined;

  constructor(
    /** `keep` (the gateway): stale references stay in the queue for ever. `drop`: see ControlPlaneOptions.staleRefs. */
    readonly staleRefs: StaleRefs,
    readonly emit: (event: ControlPlaneEvent) => void,
  ) {}

  // ------------------------------------------------------------ workers

  /** Registered workers by id. Change them through {@link Store.putWorker} and {@link Store.clearWorkers}. */
  get workers(): ReadonlyMap<string, WorkerRecord> {
    return this.#workers;
  }

  /** The workers in registration order (a re-registered worker keeps its place, like a Go map slot). */
  workerList(): readonly WorkerRecord[] {
    this.#workerList ??= [...this.#workers.values()];
    return this.#workerList;
  }

  /** Adds or replaces a worker's record. */
  putWorker(worker: WorkerRecord): void {
    this.#workers.set(worker.workerId, worker);
    this.#workerList = undefined;
  }

  clearWorkers(): void {
    this.#workers.clear();
    this.#workerList = undefined;
  }

  // ------------------------------------------------------------ store failures

  /** Until {@link Store.allowWrites}, every write throws StoreFailure(message). */
  failWrites(message: string): void {
    this.#writeFailure = message;
  }

  allowWrites(): void {
    this.#writeFailure = undefined;
  }

  /** Called by an operation before its first change: throws when the store is failing. */
  checkWrite(): void {
    if (this.#writeFailure !== undefined) throw new StoreFailure(this.#writeFailure);
  }

  // ------------------------------------------------------------ task transitions

  /** Changes a task's status, keeping the worker index, the job counts and the ready set right. */
  setStatus(task: TaskRecord, next: TaskState): void {
    const prev = task.status;
    if (prev === next) return;
    const job = task.job;
    if (held(prev) && !held(next)) {
      this.#unhold(task);
      this.#leased.delete(task);
    } else if (!held(prev) && held(next)) {
      this.#hold(task);
    }
    if (prev === 'Queued') job.readyQueued.delete(task);
    if (prev === 'Failed') job.failedTasks--;
    if (prev === 'Completed') {
      job.completedTasks--;
      for (const dependent of task.dependents) {
        dependent.pendingDeps++;
        if (dependent.pendingDeps === 1) job.readyQueued.delete(dependent);
      }
    }
    task.status = next;
    if (next === 'Failed') job.failedTasks++;
    if (next === 'Completed') {
      job.completedTasks++;
      for (const dependent of task.dependents) {
        dependent.pendingDeps--;
        if (dependent.pendingDeps === 0 && dependent.status === 'Queued') job.readyQueued.add(dependent);
      }
    }
    if (next === 'Queued' && task.pendingDeps === 0) job.readyQueued.add(task);
  }

  /** Changes the worker a task belongs to (a Running report names it; a re-queue clears it). */
  setWorker(task: TaskRecord, workerId: string): void {
    if (task.workerId === workerId) return;
    if (held(task.status)) {
      this.#unhold(task);
      task.workerId = workerId;
      this.#hold(task);
    } else {
      task.workerId = workerId;
    }
  }

  /** Gives the task a lease (it must be Assigned or Running). */
  grantLease(task: TaskRecord, leaseId: string, startMs: number, expiresMs: number): void {
    task.leaseId = leaseId;
    task.leaseStartMs = startMs;
    task.leaseExpiresMs = expiresMs;
    this.#leased.add(task);
    if (expiresMs < this.#expiryBoundMs) this.#expiryBoundMs = expiresMs;
  }

  /** A heartbeat moved the expiry; it only ever moves later, so the bound stays a lower bound. */
  extendLease(task: TaskRecord, expiresMs: number): void {
    task.leaseExpiresMs = expiresMs;
  }

  /** Drops the lease id and sets LeaseExpires (0, or the end of a retry backoff). */
  clearLease(task: TaskRecord, leaseExpiresMs = 0): void {
    task.leaseId = '';
    task.leaseExpiresMs = leaseExpiresMs;
    this.#leased.delete(task);
  }

  /** Records an update (the gateway's store stamps UpdatedAt on every write). */
  touch(task: TaskRecord, nowMs: number): void {
    task.updatedAtMs = nowMs;
    task.updateSeq = ++this.#updateSeq;
  }

  /** The tasks a worker holds (Assigned or Running with its id). Do not change them while iterating. */
  heldBy(workerId: string): ReadonlySet<TaskRecord> {
    return this.#held.get(workerId) ?? emptySet;
  }

  /**
   * Leased tasks whose lease ended before `nowMs` (ListExpiredLeasedTasks: expiry
   * strictly before now). Cheap when nothing can have expired yet.
   */
  expiredLeases(nowMs: number): TaskRecord[] {
    if (nowMs <= this.#expiryBoundMs) return [];
    const expired: TaskRecord[] = [];
    let bound = Number.POSITIVE_INFINITY;
    for (const task of this.#leased) {
      if (task.leaseExpiresMs > 0 && task.leaseExpiresMs < nowMs) expired.push(task);
      else if (task.leaseExpiresMs > 0 && task.leaseExpiresMs < bound) bound = task.leaseExpiresMs;
    }
    this.#expiryBoundMs = bound;
    return expired;
  }

  // ------------------------------------------------------------ the queue

  /** Appends a reference to the task. With `staleRefs: 'drop'`, not if the queue holds one already. */
  enqueue(task: TaskRecord): void {
    if (this.staleRefs === 'drop' && task.queuedRefs > 0) return;
    this.#queue.push(task);
    task.queuedRefs++;
  }

  /** Removes up to `max` references from the front. */
  claim(max: number): TaskRecord[] {
    const claimed = this.#queue.claim(max);
    for (const task of claimed) task.queuedRefs--;
    return claimed;
  }

  /** Puts claimed references that were not assigned back at the end, in order. */
  putBack(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) {
      if (this.staleRefs === 'drop' && (task.status !== 'Queued' || task.queuedRefs > 0)) continue;
      this.#queue.push(task);
      task.queuedRefs++;
    }
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  queueSnapshot(): TaskRecord[] {
    return this.#queue.toArray();
  }

  // ------------------------------------------------------------ restart

  /** Forgets jobs, tasks and the queue (an in-memory gateway restart). Workers are kept. */
  dropJobs(): void {
    this.jobs.clear();
    this.#queue.clear();
    this.#held.clear();
    this.#leased.clear();
    this.#expiryBoundMs = Number.POSITIVE_INFINITY;
  }

  #hold(task: TaskRecord): void {
    let set = this.#held.get(task.workerId);
    if (set === undefined) this.#held.set(task.workerId, (set = new Set()));
    set.add(task);
  }

  #unhold(task: TaskRecord): void {
    const set = this.#held.get(task.workerId);
    if (set === undefined) return;
    set.delete(task);
    if (set.size === 0) this.#held.delete(task.workerId);
  }
}

const emptySet: ReadonlySet<TaskRecord> = new Set();
