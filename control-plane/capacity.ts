/**
 * How many tasks a worker may hold before a poll gives it nothing
 * (workerCapacity and workerAtCapacity in internal/scheduler/engine.go).
 *
 * Capacity comes from the `cpu` the worker registered: a quarter of it, at least
 * 1 (also when cpu is 0 or negative), at least 2 with a gpu, at most 16. It is
 * compared with the `running_tasks` of the worker's **last heartbeat** (0 after a
 * register), not with what the gateway itself has handed out. So one poll may
 * hand out `max_tasks` tasks whatever the capacity, and a worker that heartbeats
 * `running_tasks` at its capacity gets nothing more (unless pre-emption applies)
 * until a heartbeat says it has room again.
 */

export interface CapacityInput {
  readonly cpu: number;
  readonly gpu: boolean;
  readonly runningTasks: number;
}

export function workerCapacity(worker: Pick<CapacityInput, 'cpu' | 'gpu'>): number {
  if (worker.cpu <= 0) return 1;
  let capacity = Math.max(1, Math.trunc(worker.cpu / 4));
  if (worker.gpu && capacity < 2) capacity = 2;
  return Math.min(capacity, 16);
}

export function atCapacity(worker: CapacityInput): boolean {
  return worker.runningTasks >= workerCapacity(worker);
}
