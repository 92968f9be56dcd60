/**
 * The bench's child process: runs one client under test on its own event loop
 * (the control plane stays in the parent), driven over IPC (rpc.ts).
 *
 * Methods: `floor.run`, `reference.run` (bare loops with the worker's HTTP
 * client), `gatewayFloor.run` (the bare loop on node:http, see gatewayFloor.ts),
 * `worker.start` / `worker.samples` / `worker.stop` (the real worker
 * via createWorker, with a timing observer), `lag.start` / `lag.stop`
 * (event-loop delay of this main thread), `cpu` (this process's CPU time).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { ControlPlaneClient } from '../actors/controlPlaneClient.js';
import type { WorkerConfig } from '../config/definitions.js';
import { createWorker, type SplaiWorker } from '../runtime/createWorker.js';
import { keepWasmOnBaselineCompiler } from '../runtime/wasmTiering.js';
import { protocolFloor, referencePolicy } from './bareLoops.js';
import { gatewayFloor } from './gatewayFloor.js';
import { breakdown, type OverheadBreakdown, type TaskTimes } from './overhead.js';
import { serve } from './rpc.js';
import { observeEffects, type WorkerObserver } from './workerObserver.js';

export interface LoopLag {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface AgentSamples {
  readonly overheads: OverheadBreakdown[];
}

// As the daemon does (cli/runCommand.ts): the clients measured here run as it would.
keepWasmOnBaselineCompiler();

const client = (url: string) => new ControlPlaneClient({ baseUrl: url, timeoutMillis: 30_000 });

let worker: SplaiWorker | undefined;
const times = new Map<string, TaskTimes>();
let samples: OverheadBreakdown[] = [];
let histogram: IntervalHistogram | undefined;
let resolution = 10;

const keyOf = (jobId: unknown, taskId: unknown) => `${String(jobId)}/${String(taskId)}`;
const entry = (key: string): TaskTimes => {
  let t = times.get(key);
  if (t === undefined) times.set(key, (t = {}));
  return t;
};

const observer: WorkerObserver = {
  assignments(items, at) {
    for (const item of items) {
      const { job_id, task_id } = item as { job_id?: unknown; task_id?: unknown };
      entry(keyOf(job_id, task_id)).received = at;
    }
  },
  executeStart(assignment, at) {
    entry(keyOf(assignment.job_id, assignment.task_id)).executeStart = at;
  },
  executeEnd(assignment, result, at) {
    const t = entry(keyOf(assignment.job_id, assignment.task_id));
    t.executeEnd = at;
    t.executorMillis = result.executorMillis;
  },
  report(report, at) {
    const key = keyOf(report.job_id, report.task_id);
    if (report.status === 'Running') {
      entry(key).runningSent = at;
      return;
    }
    const t = entry(key);
    t.finalSent = at;
    times.delete(key);
    const b = breakdown(t);
    if (b !== undefined) samples.push(b);
  },
};

serve({
  'floor.run': async (p: { url: string; workerId: string; lanes: number; tasks: number }) => {
    const api = client(p.url);
    await api.register({ worker_id: p.workerId, cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' });
    return { tasks: await protocolFloor(api, p.workerId, p.lanes, p.tasks) };
  },
  'gatewayFloor.run': async (p: { url: string; workerId: string; lanes: number; tasks: number }) => ({ tasks: await gatewayFloor(p) }),
  'reference.run': async (p: { url: string; workerId: string; pollMillis: number; maxTasks: number; cycles: number }) => {
    const api = client(p.url);
    await api.register({ worker_id: p.workerId, cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' });
    return referencePolicy(api, p.workerId, p);
  },
  'worker.start': async (p: { config: Partial<WorkerConfig>; durable?: boolean; commandHost?: boolean; controlPlaneThread?: boolean }) => {
    worker = createWorker({
      config: p.config,
      // durable: false runs without the outbox and journal (a diagnostic of their cost).
      ...(p.durable === false ? { stateDir: false as const } : {}),
      // commandHost: false launches sandboxed commands from the task threads (a diagnostic of what the host saves).
      ...(p.commandHost === false ? { commandHost: false } : {}),
      // As the daemon runs it; false keeps the HTTP calls on the main thread (a diagnostic of what the I/O thread saves).
      controlPlaneThread: p.controlPlaneThread !== false,
      instrument: { effects: (effects) => observeEffects(effects, observer) },
    });
    worker.start();
    return {};
  },
  'worker.samples': async () => {
    const out: AgentSamples = { overheads: samples };
    samples = [];
    return out;
  },
  'worker.stop': async () => {
    const output = await worker?.stop();
    worker = undefined;
    return output ?? {};
  },
  cpu: async () => process.cpuUsage(),
  'lag.start': async (p: { resolutionMillis: number }) => {
    histogram?.disable();
    resolution = p.resolutionMillis;
    histogram = monitorEventLoopDelay({ resolution });
    histogram.enable();
    return {};
  },
  'lag.stop': async (): Promise<LoopLag> => {
    const h = histogram;
    if (h === undefined) throw new Error('lag.start was not called');
    h.disable();
    histogram = undefined;
    // The histogram records the whole interval between its timer's ticks; the
    // delay is what exceeds the resolution (an idle loop reads ~0, not ~10 ms).
    const ms = (ns: number) => Math.max(0, ns / 1e6 - resolution);
    return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) };
  },
});
