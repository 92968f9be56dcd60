/**
 * Which worker a task is for (bestWorkerForTask and computeWorkerScore in
 * internal/scheduler/engine.go).
 *
 * For every task a poll considers, the gateway scores **every registered worker**
 * (workers are never aged out, so a worker that died long ago still competes) and
 * hands the task to the poller only when the poller is the best. When no worker
 * is eligible at all, any poller gets it. So a poll can answer `[]` because the
 * queued work is meant for another worker, and will wait for that worker's poll.
 *
 * Hard filters (the worker is not eligible):
 * - the task names `_target_worker` and it is another worker;
 * - the worker's health is `unhealthy` (case-insensitive; `draining`, `degraded`
 *   and anything else count as healthy);
 * - `_requires_gpu` is true and the worker has no gpu;
 * - `llm_inference` only: the task's `backend` is not among the worker's backends
 *   or tools, once any registered worker has a backend inventory; and the task's
 *   `model` is not among the worker's models, once any registered worker lists
 *   models.
 *
 * Score: +1 for llm_inference, +1 for tool_execution when the worker has the
 * `bash` tool, +0.8 for embedding; +1.5 when the worker lists the task's model;
 * +1 when `_data_locality` equals the worker's locality; -0.15 per queued or
 * running task of its last heartbeat; -(cpu + memory utilization) / 100.
 *
 * Ties. The gateway walks the workers in Go's map order, which is random on each
 * walk, keeping a later worker when its score is higher, or lower by less than
 * 0.0001 with a higher FNV hash of `<job>|<task>|<worker>`. Its score also has a
 * wait-age bonus, the task's age read from the clock at each evaluation: it grows
 * by a few nanoseconds' worth from one worker to the next, so of two workers with
 * equal scores the one walked later is strictly higher, and the hash never gets
 * to decide an exact tie. Exact ties (identical workers, the usual case) thus go
 * to whichever tied worker the random walk visits last. Measured on the gateway
 * binary: with two identical workers, the one registered first gets a tied task
 * in about 1 poll out of 8 (Go visits a small map starting at a random one of 8
 * slots), the one registered second in about 7 out of 8. Here the walk is the same
 * rotation, drawn from the control plane's seeded random sequence, and the wait-age
 * bonus is a tiny step per evaluated worker. The fairness penalty (running tasks
 * of the job's tenant) is left out: it is the same for every worker.
 */
import { workerTieHash } from './fnv.js';
import type { Random } from './random.js';
import type { TaskRecord, WorkerRecord } from './types.js';
import { nameKey, normalizeBackend } from './workers.js';

/** What the filters need to know about all registered workers, for one task. */
export interface Inventory {
  readonly anyBackends: boolean;
  readonly anyModels: boolean;
}

/** The inventory flags over every registered worker (only llm_inference tasks use them). */
export function inventoryOf(workers: Iterable<WorkerRecord>): Inventory {
  let anyBackends = false;
  let anyModels = false;
  for (const w of workers) {
    anyBackends ||= w.hasBackendInventory;
    anyModels ||= w.models.length > 0;
    if (anyBackends && anyModels) break;
  }
  return { anyBackends, anyModels };
}

const parseBool = (value: string | undefined): boolean => {
  const v = (value ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
};

/** Whether the worker passes the gateway's hard filters for the task. */
export function eligible(worker: WorkerRecord, task: TaskRecord, inventory: Inventory): boolean {
  const target = (task.inputs['_target_worker'] ?? '').trim();
  if (target !== '' && worker.workerId !== target) return false;
  if (worker.health.toLowerCase() === 'unhealthy') return false;
  if (parseBool(task.inputs['_requires_gpu']) && !worker.gpu) return false;
  if (task.type === 'llm_inference') {
    const backend = normalizeBackend(task.inputs['backend'] ?? '');
    if (backend !== '' && inventory.anyBackends && !worker.backendKeys.has(backend)) return false;
    const model = (task.inputs['model'] ?? '').trim();
    if (model !== '' && inventory.anyModels && !worker.modelKeys.has(nameKey(model))) return false;
  }
  return true;
}

/** The gateway's score of a worker for a task (without the terms equal for all workers). */
export function score(worker: WorkerRecord, task: TaskRecord): number {
  let capability = 0;
  if (task.type === 'llm_inference') capability += 1;
  if (task.type === 'tool_execution' && worker.hasBash) capability += 1;
  if (task.type === 'embedding') capability += 0.8;
  const model = (task.inputs['model'] ?? '').trim();
  const warm = model !== '' && worker.modelKeys.has(nameKey(model)) ? 1.5 : 0;
  const locality = (task.inputs['_data_locality'] ?? '').trim();
  const local = locality !== '' && locality === worker.locality.trim() ? 1 : 0;
  const queuePenalty = (worker.queueDepth + worker.runningTasks) * 0.15;
  const latency = (worker.cpuUtilization + worker.memoryUtilization) / 100;
  return capability + warm + local - queuePenalty - latency;
}

/** Score added per evaluated worker: the wait-age bonus growing while the gateway walks the workers. */
const WAIT_AGE_STEP = 1e-9;

/**
 * Where Go's walk over a map of `n` workers starts. A map of up to 8 entries is
 * one bucket whose slots hold the entries in insertion order; the walk starts at
 * a random slot of 8 (an empty one means: from the first entry) and wraps. Bigger
 * maps spread entries by a seeded hash; there a random rotation approximates it.
 */
export function walkStart(n: number, random: Random): number {
  if (n <= 8) {
    const slot = Math.floor(random() * 8);
    return slot < n ? slot : 0;
  }
  return Math.floor(random() * n);
}

/**
 * The id of the best eligible worker for the task, or undefined when none is
 * eligible (then any poller may take it). `workers` is in registration order.
 * O(workers), as on the gateway.
 */
export function bestWorker(workers: readonly WorkerRecord[], task: TaskRecord, random: Random): string | undefined {
  const inventory = task.type === 'llm_inference' ? inventoryOf(workers) : noInventory;
  const n = workers.length;
  const start = walkStart(n, random);
  let bestId: string | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestTie = 0;
  let evaluated = 0;
  for (let i = 0; i < n; i++) {
    const worker = workers[(start + i) % n]!;
    if (!eligible(worker, task, inventory)) continue;
    const s = score(worker, task) + WAIT_AGE_STEP * evaluated++;
    if (s > bestScore) {
      bestId = worker.workerId;
      bestScore = s;
      bestTie = workerTieHash(task.jobId, task.taskId, worker.workerId);
      continue;
    }
    if (Math.abs(s - bestScore) < 0.0001) {
      const tie = workerTieHash(task.jobId, task.taskId, worker.workerId);
      if (tie > bestTie) {
        bestId = worker.workerId;
        bestScore = s;
        bestTie = tie;
      }
    }
  }
  return bestId;
}

const noInventory: Inventory = { anyBackends: false, anyModels: false };
