/**
 * Real workers (createWorker: real machines, real HTTP client) against the
 * development control plane, which follows the real gateway's scheduling rules,
 * on a loopback port. Task execution is a timed fake where a test is about
 * scheduling: what the control plane sees is the real protocol either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlaneServer, type ControlPlaneServerOptions, type RunningControlPlane } from '../../control-plane/httpServer.js';
import type { WorkerConfig } from '../../config/definitions.js';
import type { ExecutionResult, WorkerEffects } from '../../machines/effects.js';
import type { Assignment } from '../../protocol/schemas.js';
import { createWorker, type SplaiWorker } from '../../runtime/createWorker.js';
import { createLogger } from '../../runtime/logger.js';

export interface FleetOptions {
  readonly workers: number;
  readonly slots: number;
  /** How long each fake task runs, ms (or per assignment). */
  readonly taskMillis?: number | ((assignment: Assignment) => number);
  readonly config?: (index: number) => Partial<WorkerConfig>;
  readonly effects?: (index: number) => Partial<WorkerEffects>;
  /** Run tasks for real in the thread pool instead of the timed fake. */
  readonly realExecution?: boolean;
  readonly controlPlane?: ControlPlaneServerOptions;
}

export interface Fleet {
  /** Each worker's artifact root is `<root>/<worker id>`. */
  readonly root: string;
  readonly server: RunningControlPlane;
  readonly workers: SplaiWorker[];
  /** Tasks each worker started, by worker id. */
  readonly started: Map<string, string[]>;
  /** Most fake tasks running at once, per worker id. */
  readonly peak: Map<string, number>;
  close(): Promise<void>;
}

export const workerId = (index: number) => `fleet-${index}`;

/** A fake execution: it waits `millis` (or until aborted) and counts concurrency. */
function fakeExecute(id: string, duration: number | ((assignment: Assignment) => number), fleet: Pick<Fleet, 'started' | 'peak'>): WorkerEffects['execute'] {
  let running = 0;
  return async (assignment: Assignment, signal: AbortSignal): Promise<ExecutionResult> => {
    const millis = typeof duration === 'number' ? duration : duration(assignment);
    fleet.started.get(id)!.push(`${assignment.job_id}/${assignment.task_id}#${assignment.attempt}`);
    running++;
    fleet.peak.set(id, Math.max(fleet.peak.get(id) ?? 0, running));
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, millis);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    } finally {
      running--;
    }
    return { ok: true, uri: `artifact://${assignment.job_id}/${assignment.task_id}/output.json`, durationMillis: millis, executorMillis: millis };
  };
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const server = await startControlPlaneServer({ port: 0, heartbeatIntervalSeconds: 5, ...options.controlPlane });
  const root = await mkdtemp(join(tmpdir(), 'splai-fleet-'));
  const started = new Map<string, string[]>();
  const peak = new Map<string, number>();
  const workers: SplaiWorker[] = [];
  for (let i = 0; i < options.workers; i++) {
    const id = workerId(i);
    started.set(id, []);
    workers.push(
      createWorker({
        config: { controlPlaneUrl: server.url, workerId: id, artifactRoot: join(root, id), maxParallelTasks: options.slots, sandbox: 'none', httpAddr: 'off', logLevel: 'silent', ...options.config?.(i) },
        logger: createLogger({ level: 'silent', format: 'json', write: () => undefined }),
        stateDir: false,
        delays: { registrationRetry: () => 50 },
        effects: { ...(options.realExecution === true ? {} : { execute: fakeExecute(id, options.taskMillis ?? 200, { started, peak }) }), ...options.effects?.(i) },
      }),
    );
  }
  for (const worker of workers) worker.start();
  return {
    root,
    server,
    workers,
    started,
    peak,
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Resolves once every worker of the fleet is registered with the control plane. */
export async function registered(fleet: Fleet): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (fleet.workers.some((w) => fleet.server.controlPlane.worker(w.config.workerId) === undefined)) {
    if (Date.now() > deadline) throw new Error('the fleet did not register in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A job of `count` independent tasks of one type. */
export function jobOf(count: number, options: { jobId?: string; type?: string; priority?: string } = {}) {
  return {
    ...(options.jobId === undefined ? {} : { job_id: options.jobId }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    tasks: Array.from({ length: count }, (_, i) => ({ task_id: `t${i}`, type: options.type ?? 'aggregation', inputs: {} })),
  };
}
