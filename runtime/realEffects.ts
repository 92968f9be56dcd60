/**
 * The effects of a real worker: HTTP control-plane client, reporter, thread pool,
 * host probes and the logger, wired into the WorkerEffects the machines expect.
 */
import type { ConsolaInstance } from 'consola';
import { hostCapabilities } from '../actors/hostCapabilities.js';
import { HostLoad } from '../actors/hostLoad.js';
import type { ControlPlaneApi } from '../actors/controlPlaneClient.js';
import type { Reporter } from '../actors/reporter.js';
import type { TaskPool } from '../actors/taskPool.js';
import type { WorkerConfig } from '../config/definitions.js';
import type { LogEntry, WorkerEffects } from '../machines/effects.js';
import type { PollReply } from '../protocol/schemas.js';

export interface RealEffectsParts {
  readonly config: WorkerConfig;
  readonly api: ControlPlaneApi;
  readonly reporter: Reporter;
  readonly pool: TaskPool;
  readonly logger: ConsolaInstance;
  /** Models present in the cache (plus configured ones are added by hostCapabilities). */
  readonly listModels: () => Promise<string[]>;
  /** Items of a poll that came back after the poller stopped (see `poll` below): they are this worker's tasks. */
  readonly onLatePoll?: (items: unknown[]) => void;
}

export function createRealEffects(parts: RealEffectsParts): WorkerEffects {
  const { config, api, reporter, pool, logger } = parts;
  const load = new HostLoad();
  const pollsOnWire = new Set<Promise<PollReply>>();
  const tagged = new Map<string, ConsolaInstance>();
  const loggerFor = (tag: string) => {
    let child = tagged.get(tag);
    if (child === undefined) tagged.set(tag, (child = logger.withTag(tag)));
    return child;
  };
  return {
    async register(signal) {
      const models = await parts.listModels().catch(() => []);
      return api.register(hostCapabilities(config, models), signal);
    },
    async heartbeat(current, signal) {
      const { cpu, memory } = load.sample();
      await api.heartbeat(
        config.workerId,
        {
          queue_depth: current.queueDepth,
          running_tasks: current.runningTasks,
          cpu_utilization: cpu,
          memory_utilization: memory,
          health: current.health,
          timestamp_unix: Math.floor(Date.now() / 1000),
        },
        signal,
      );
    },
    poll(maxTasks, signal) {
      // The request is not cancelled when the poller stops (re-registration, drain):
      // once it is sent the control plane may lease tasks to this worker, and a
      // dropped reply would leave them Assigned to it, their leases extended by
      // every heartbeat, never run. The request's own timeout still bounds it.
      const polling = (async () => {
        const items = await api.poll(config.workerId, maxTasks);
        if (signal.aborted && items !== null && items.length > 0) parts.onLatePoll?.(items);
        return items;
      })();
      pollsOnWire.add(polling);
      void polling.then(
        () => pollsOnWire.delete(polling),
        () => pollsOnWire.delete(polling),
      );
      return polling;
    },
    // The Running report's outcome decides whether the task runs (stale lease: no),
    // so it is awaited; a final report only has to be saved before the slot frees.
    report: (report) => (report.status === 'Running' ? reporter.submit(report) : reporter.submitDurably(report)),
    async execute(assignment, signal) {
      const started = performance.now();
      try {
        const result = await pool.run(assignment, { signal });
        const durationMillis = Math.round(performance.now() - started);
        return result.ok
          ? { ok: true, uri: result.uri, durationMillis, executorMillis: result.executorMillis, ...(result.modelInstalled === undefined ? {} : { modelInstalled: result.modelInstalled }) }
          : { ok: false, error: result.error, durationMillis, executorMillis: result.executorMillis };
      } catch (error) {
        const reason = signal.aborted && signal.reason instanceof Error ? signal.reason.message : error instanceof Error ? error.message : String(error);
        return { ok: false, error: reason, durationMillis: Math.round(performance.now() - started), executorMillis: 0 };
      }
    },
    async flushReports(timeoutMillis) {
      // A poll still on the wire may hand over tasks, which a stopping worker
      // reports Failed: wait for it (within the same deadline) before the last flush.
      const deadline = Date.now() + timeoutMillis;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...pollsOnWire]), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMillis)))]);
      clearTimeout(timer);
      return reporter.flush(Math.max(0, deadline - Date.now()));
    },
    announceDraining: () => pool.announceDraining(),
    log(entry: LogEntry) {
      const child = loggerFor(entry.actor);
      if (entry.fields === undefined) child[entry.level](entry.message);
      else child[entry.level](entry.message, entry.fields);
    },
  };
}
