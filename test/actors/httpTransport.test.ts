/**
 * The control-plane transport against a real HTTP server on a free loopback
 * port: paths, keep-alive, non-2xx replies, timeouts, aborts, oversized replies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../actors/httpTransport.js';

const servers: Server[] = [];
const transports: HttpTransport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, connections: () => connections };
}

const transport = (baseUrl: string, options: { timeoutMillis?: number; maxReplyBytes?: number; headers?: Record<string, string> } = {}) => {
  const t = new HttpTransport({ baseUrl, timeoutMillis: options.timeoutMillis ?? 2000, ...options });
  transports.push(t);
  return t;
};

describe('HttpTransport', () => {
  it('sends JSON to the base URL path, with the configured headers, and reuses one connection', async () => {
    const seen: string[] = [];
    const server = await serve((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-splai-token']} ${req.headers['content-type']} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
    const t = transport(`${server.url}/gateway/`, { headers: { 'X-SPLAI-Token': 'tok' } });
    for (let i = 0; i < 5; i++) {
      await expect(t.request('POST', 'v1/tasks/report', '{"a":1}')).resolves.toEqual({ status: 200, text: '{"accepted":true}' });
    }
    await t.request('GET', 'v1/workers/w/assignments?max_tasks=2', undefined);
    expect(seen[0]).toBe('POST /gateway/v1/tasks/report tok application/json {"a":1}');
    expect(seen.at(-1)).toBe('GET /gateway/v1/workers/w/assignments?max_tasks=2 tok application/json ');
    expect(server.connections()).toBe(1);
  });

  it('resolves a non-2xx reply with its status and body (the client classifies it)', async () => {
    const server = await serve((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"worker not registered"}'));
    await expect(transport(server.url).request('GET', 'x', undefined)).resolves.toEqual({ status: 404, text: '{"error":"worker not registered"}' });
  });

  it('times out a request whose reply does not come, and frees its connection', async () => {
    let closed = 0;
    const server = await serve((req) => req.socket.on('close', () => closed++));
    const started = Date.now();
    await expect(transport(server.url, { timeoutMillis: 150 }).request('GET', 'slow', undefined)).rejects.toMatchObject({ name: 'TimeoutError', message: 'request timed out' });
    expect(Date.now() - started).toBeLessThan(1500);
    await expect.poll(() => closed).toBe(1);
  });

  it('aborts with the signal, before and during the request', async () => {
    const server = await serve(() => undefined);
    const t = transport(server.url);
    const early = new AbortController();
    early.abort(new Error('stopping'));
    await expect(t.request('GET', 'x', undefined, early.signal)).rejects.toThrow('stopping');
    const late = new AbortController();
    const pending = t.request('GET', 'x', undefined, late.signal);
    setTimeout(() => late.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a reply larger than the cap instead of buffering it', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end('x'.repeat(64 * 1024)));
    await expect(transport(server.url, { maxReplyBytes: 1024 }).request('GET', 'big', undefined)).rejects.toMatchObject({ name: 'ReplyTooLarge' });
  });

  it('fails with the socket error code when nothing listens', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(transport(url).request('GET', 'x', undefined)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('close() ends the idle keep-alive connections', async () => {
    let closed = 0;
    const server = await serve((req, res) => {
      req.socket.once('close', () => closed++);
      res.writeHead(200).end('{}');
    });
    const t = transport(server.url);
    await t.request('GET', 'x', undefined);
    expect(server.connections()).toBe(1);
    expect(closed).toBe(0);
    t.close();
    await expect.poll(() => closed).toBe(1);
  });

  it('refuses a URL that is neither http nor https', () => {
    expect(() => new HttpTransport({ baseUrl: 'ftp://gateway', timeoutMillis: 10 })).toThrow('control-plane URL must be http or https, got ftp:');
  });
});
