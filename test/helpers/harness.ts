/**
 * A real worker (real HTTP client, real thread pool, real machines) against the
 * development control plane on a loopback port, with its metrics, optional
 * tracing and the operational endpoints on a free port. Everything is undone by
 * `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsolaInstance } from 'consola';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import type { TokenSpec } from '../../control-plane/auth.js';
import type { WorkerConfig } from '../../config/definitions.js';
import type { WorkerEffects } from '../../machines/effects.js';
import { createWorker, type SplaiWorker } from '../../runtime/createWorker.js';
import type { WorkerInstrument } from '../../telemetry/instrument.js';
import { startWorkerEndpoints } from '../../runtime/endpoints.js';
import type { WorkerHttpServer } from '../../runtime/httpServer.js';
import { createLogger } from '../../runtime/logger.js';
import { composeInstruments } from '../../telemetry/composeInstruments.js';
import { WorkerMetrics } from '../../telemetry/metrics.js';

export interface HarnessOptions {
  readonly tokens?: readonly TokenSpec[];
  readonly config?: Partial<WorkerConfig>;
  readonly instrument?: WorkerInstrument;
  readonly effects?: Partial<WorkerEffects>;
  readonly logger?: ConsolaInstance;
}

export interface Harness {
  readonly controlPlane: RunningControlPlane;
  readonly worker: SplaiWorker;
  readonly metrics: WorkerMetrics;
  readonly server: WorkerHttpServer;
  readonly artifactRoot: string;
  get(path: string): Promise<{ status: number; text: string; contentType: string }>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const controlPlane = await startControlPlaneServer({ port: 0, heartbeatIntervalSeconds: 0.2, ...(options.tokens === undefined ? {} : { tokens: options.tokens }) });
  const artifactRoot = await mkdtemp(join(tmpdir(), 'splai-ops-'));
  const metrics = new WorkerMetrics();
  const worker = createWorker({
    config: { controlPlaneUrl: controlPlane.url, workerId: 'ops-worker', artifactRoot, pollMillis: 50, heartbeatSeconds: 0.2, maxParallelTasks: 2, sandbox: 'none', httpAddr: 'off', logLevel: 'silent', ...options.config },
    logger: options.logger ?? createLogger({ level: 'silent', format: 'json', write: () => undefined }),
    instrument: composeInstruments(options.instrument, metrics),
    delays: { registrationRetry: () => 50 },
    ...(options.effects === undefined ? {} : { effects: options.effects }),
  });
  const server = (await startWorkerEndpoints(worker, '127.0.0.1:0', { metrics, sandboxLevel: 'none', version: '9.9.9-test' }))!;
  return {
    controlPlane,
    worker,
    metrics,
    server,
    artifactRoot,
    async get(path) {
      const response = await fetch(`${server.url}${path}`);
      return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
    },
    async close() {
      controlPlane.controlPlane.faults.clear();
      await worker.stop();
      await server.close();
      await controlPlane.close();
      await rm(artifactRoot, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it holds (no fixed sleeps: machines are noisy). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMillis = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Parse Prometheus text into `name{labels}` -> value. */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}
