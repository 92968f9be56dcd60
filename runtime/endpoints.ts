/**
 * The worker's operational endpoints on its HTTP server (SPLAI_HTTP_ADDR):
 *
 * - `GET /healthz`: the process is alive: 200 `{"status":"ok"}`.
 * - `GET /readyz`: 200 while registered and not draining, 503 otherwise
 *   (registering, draining, stopped, failed): a Kubernetes readiness probe.
 * - `GET /status`: JSON of the supervisor state, slots, in-flight tasks, last
 *   heartbeat, counters, sandbox level and version (see {@link WorkerStatus}).
 * - `GET /metrics`: Prometheus text (see telemetry/metrics.ts).
 *
 * The server stays open for more routes (the inspector adds its own).
 *
 * @example
 * ```ts
 * const metrics = new WorkerMetrics();
 * const worker = createWorker({ config, instrument: metrics });
 * const server = await startWorkerEndpoints(worker, '127.0.0.1:9464', { metrics });
 * worker.start();
 * // server.route('GET', '/mine', handler) ... later: await server?.close();
 * ```
 */
import type { ServerResponse } from 'node:http';
import { packageVersion } from '../base/version.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import { WorkerMetrics } from '../telemetry/metrics.js';
import type { SplaiWorker } from './createWorker.js';
import { workerStatus } from './endpointsStatus.js';
import { startWorkerHttpServer, type WorkerHttpServer } from './httpServer.js';

export interface WorkerEndpointsOptions {
  /** Metrics already wired into the worker (`instrument`); default: new ones, without call counts. */
  readonly metrics?: WorkerMetrics;
  /** The sandbox level in use; default: detected once from the worker's SPLAI_SANDBOX. */
  readonly sandboxLevel?: string;
  readonly version?: string;
}

type Worker = Pick<SplaiWorker, 'actor' | 'reporter' | 'config'>;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
};

/**
 * Add `/healthz`, `/readyz`, `/status` and `/metrics` for `worker` to a server.
 * Returns a function that detaches the metrics from the worker.
 */
export function addWorkerRoutes(server: Pick<WorkerHttpServer, 'route'>, worker: Worker, options: WorkerEndpointsOptions = {}): () => void {
  const startedAt = Date.now();
  const version = options.version ?? packageVersion();
  const sandboxLevel = options.sandboxLevel ?? detectSandboxLevel(worker.config.sandbox).level;
  const metrics = options.metrics ?? new WorkerMetrics();
  const detach = metrics.attach(worker, { sandboxLevel, version });
  const status = () => workerStatus(worker, { version, sandboxLevel, calls: metrics.calls, startedAt });

  server.route('GET', '/healthz', (_req, res) => json(res, 200, { status: 'ok' }));
  server.route('GET', '/readyz', (_req, res) => {
    const now = status();
    json(res, now.ready ? 200 : 503, { status: now.ready ? 'ready' : 'not ready', state: now.state });
  });
  server.route('GET', '/status', (_req, res) => json(res, 200, status()));
  server.route('GET', '/metrics', async (_req, res) => {
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType }).end(text);
  });
  return detach;
}

/**
 * Listen at `address` (`host:port`); resolves undefined when it is `off`. A listen
 * error (port in use, bad address) rejects with the address in the message.
 */
export async function openWorkerHttpServer(address: string): Promise<WorkerHttpServer | undefined> {
  if (address.trim().toLowerCase() === 'off') return undefined;
  try {
    return await startWorkerHttpServer(address);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`cannot listen on SPLAI_HTTP_ADDR ${address}: ${reason}`, { cause: error });
  }
}

/**
 * Start the worker HTTP server at `address` with the operational routes;
 * resolves undefined when `address` is `off`. Closing it detaches the metrics.
 */
export async function startWorkerEndpoints(worker: Worker, address: string, options: WorkerEndpointsOptions = {}): Promise<WorkerHttpServer | undefined> {
  const server = await openWorkerHttpServer(address);
  if (server === undefined) return undefined;
  const detach = addWorkerRoutes(server, worker, options);
  return {
    url: server.url,
    port: server.port,
    route: (method, path, handler) => server.route(method, path, handler),
    close: async () => {
      detach();
      await server.close();
    },
  };
}
