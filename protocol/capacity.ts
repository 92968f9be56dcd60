/**
 * How many tasks the gateway lets this worker hold, and the `cpu` the worker
 * advertises so that the limit never keeps a free slot idle.
 *
 * The gateway's scheduler caps a worker at `cpu / 4` tasks: at least 1 (2 with a
 * GPU) and at most 16. It compares the cap with `running_tasks` of the worker's
 * last heartbeat, not with what the worker holds now. A worker that was full at
 * its last heartbeat gets nothing until its next one, and at the cap it only
 * gets a task by pre-emption: the gateway silently re-queues one of the
 * worker's lower-priority tasks, which the worker is still running.
 *
 * So, unless SPLAI_WORKER_CPU is set, the worker advertises
 * `cpu = 4 x (SPLAI_MAX_PARALLEL_TASKS + 1)` (or the host's count, if higher).
 * The cap is then one above the slots: no heartbeat ever shows the worker full,
 * and the cap never binds. The worker itself never asks for more than it has
 * free slots (`max_tasks`). The gateway reads `cpu` for this cap alone.
 * With 16 slots or more the cap (16) can be reached; the poller then waits for
 * a heartbeat that shows a free slot before it polls (machines/poller.ts).
 */

/** The gateway's most tasks per worker, whatever its `cpu`. */
export const GATEWAY_MAX_CAPACITY = 16;

/** The gateway's cap for a worker that registered `cpu` and `gpu`. */
export function gatewayCapacity(cpu: number, gpu: boolean): number {
  if (cpu <= 0) return 1;
  let capacity = Math.max(1, Math.floor(cpu / 4));
  if (gpu) capacity = Math.max(2, capacity);
  return Math.min(GATEWAY_MAX_CAPACITY, capacity);
}

/**
 * The `cpu` to register: `configured` when set (> 0), else enough for a cap of
 * `slots + 1`, and never less than the host's own count.
 *
 * @example
 * advertisedCpu({ configured: 0, slots: 8, hostCpus: 2 }); // 36: the gateway allows 9 at once
 */
export function advertisedCpu(options: { readonly configured: number; readonly slots: number; readonly hostCpus: number }): number {
  if (options.configured > 0) return options.configured;
  const wanted = Math.min(GATEWAY_MAX_CAPACITY, options.slots + 1) * 4;
  return Math.max(options.hostCpus, wanted);
}
