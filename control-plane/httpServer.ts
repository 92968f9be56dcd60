/**
 * The HTTP face of the development control plane: a real node:http server over
 * one {@link ControlPlane}. Used by `splai-worker control-plane`, the demo,
 * integration tests and benchmarks.
 *
 * Keep-alive friendly (long keep-alive timeout, no per-request allocation beyond
 * the body), so a benchmark can push thousands of requests per second through it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlPlane, type ControlPlaneOptions } from './ControlPlane.js';
import { handleRequest, type WireReply } from './routes.js';

/** Options of {@link startControlPlaneServer}: where to listen, plus the control plane's own options. */
export interface ControlPlaneServerOptions extends ControlPlaneOptions {
  /** Port (default 0: a free one, see `port` of the result). */
  readonly port?: number;
  /** Interface (default 127.0.0.1). */
  readonly host?: string;
  /** Serve this control plane instead of creating one from the options. */
  readonly controlPlane?: ControlPlane;
  /**
   * Also look for expired leases on a real-time timer, every this many ms. Default
   * 0 (off), as on the gateway, which only looks when a worker polls. Not
   * gateway behaviour when set.
   */
  readonly sweepIntervalMs?: number;
}

/** A listening control plane. */
export interface RunningControlPlane {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly controlPlane: ControlPlane;
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

/**
 * Starts the development control plane on a real HTTP server.
 *
 * @example
 * ```ts
 * const server = await startControlPlaneServer({ port: 0 });
 * const { job_id } = server.controlPlane.submitJob({ tasks: [{ task_id: 't1', type: 'aggregation' }] });
 * // point a worker at server.url ...
 * await server.controlPlane.waitForJob(job_id, { timeoutMs: 10_000 });
 * await server.close();
 * ```
 */
export async function startControlPlaneServer(options: ControlPlaneServerOptions = {}): Promise<RunningControlPlane> {
  const controlPlane = options.controlPlane ?? new ControlPlane(options);
  const server = createServer({ keepAlive: true }, (req, res) => {
    handleRequest(controlPlane, {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => headerValue(req, name),
      body: () => readBody(req),
    }).then(
      (reply) => send(req, res, reply),
      () => send(req, res, { kind: 'reply', status: 500, body: '{"error":"internal error"}', contentType: 'application/json' }),
    );
  });
  // Workers and benchmarks reuse connections; a short server timeout would make them reconnect constantly.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const sweepIntervalMs = options.sweepIntervalMs ?? 0;
  if (sweepIntervalMs > 0) controlPlane.startSweeping(sweepIntervalMs);

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    controlPlane,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        controlPlane.stopSweeping();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(req: IncomingMessage, res: ServerResponse, reply: WireReply): void {
  if (reply.kind === 'reset') {
    // A connection reset: the client sees ECONNRESET / "socket hang up", never a reply.
    req.socket.destroy();
    return;
  }
  if (res.destroyed) return;
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}
