/**
 * The worker's local HTTP endpoint (SPLAI_HTTP_ADDR, default 127.0.0.1:9464):
 * health probes, status, metrics and the inspector register their routes here.
 * One small router on node:http; no framework, nothing listening when `off`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface WorkerHttpServer {
  /** Base URL, e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  /** Add a route; `path` is exact, or a prefix when it ends with `/*`. */
  route(method: 'GET' | 'POST', path: string, handler: RouteHandler): void;
  close(): Promise<void>;
}

/** Parse `host:port` / `[v6]:port`. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(address.trim());
  if (match === null) throw new Error(`invalid listen address "${address}"; expected host:port`);
  return { host: match[1] === '' ? '127.0.0.1' : match[1]!, port: Number(match[2]) };
}

export async function startWorkerHttpServer(address: string): Promise<WorkerHttpServer> {
  const { host, port } = parseListenAddress(address);
  const routes: { method: string; path: string; prefix: boolean; handler: RouteHandler }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.find((r) => r.method === req.method && (r.prefix ? url.pathname.startsWith(r.path) : url.pathname === r.path));
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    Promise.resolve(route.handler(req, res, url)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    route(method, path, handler) {
      const prefix = path.endsWith('/*');
      routes.push({ method, path: prefix ? path.slice(0, -1) : path, prefix, handler });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
