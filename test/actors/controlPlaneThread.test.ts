/**
 * The control-plane client on its own I/O thread behaves like the in-thread
 * client: the same results, the same classified errors, the same token, abort
 * and timeout behaviour, against a real HTTP server (request interception does
 * not reach another thread, which is why this client is not the library default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneClient, type ControlPlaneApi, type ControlPlaneClientOptions } from '../../actors/controlPlaneClient.js';
import { isControlPlaneError } from '../../base/ControlPlaneError.js';
import { ControlPlaneThread } from '../../actors/controlPlaneThread.js';
import { startControlPlaneServer } from '../../control-plane/httpServer.js';
import { createWorker } from '../../runtime/createWorker.js';
import { createLogger } from '../../runtime/logger.js';

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** A scripted control plane: `replies[METHOD path]`, and 'hang' for a request never answered. */
let replies: Record<string, Reply | 'hang'> = {};
const seen: { method: string; url: string; token: string | undefined; body: string }[] = [];
const hung = new Set<IncomingMessage>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      seen.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-splai-token'] as string | undefined, body });
      const reply = replies[`${req.method} ${path}`] ?? { status: 404, body: { error: 'no such route' } };
      if (reply === 'hang') {
        hung.add(req);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const threads: ControlPlaneThread[] = [];
afterEach(async () => {
  replies = {};
  seen.length = 0;
  hung.clear();
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

function onThread(options: Partial<Omit<ControlPlaneClientOptions, 'baseUrl'>> = {}): ControlPlaneThread {
  const client = new ControlPlaneThread({ baseUrl: base, timeoutMillis: options.timeoutMillis ?? 2000, ...options });
  threads.push(client);
  return client;
}
const inThread = (token?: string): ControlPlaneClient => new ControlPlaneClient({ baseUrl: base, timeoutMillis: 2000, ...(token === undefined ? {} : { token }) });

/** What a call came to: its value, or the error's observable fields. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call };
  } catch (error) {
    if (!isControlPlaneError(error)) throw error;
    return { name: error.name, kind: error.kind, operation: error.operation, message: error.message, status: error.status };
  }
}

const registerBody = { worker_id: 'w1', cpu: 2, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: 'local' };
const heartbeatBody = { queue_depth: 0, running_tasks: 0, cpu_utilization: 1, memory_utilization: 2, health: 'healthy' as const, timestamp_unix: 1 };
const report = { worker_id: 'w1', job_id: 'j', task_id: 't', lease_id: 'l', idempotency_key: 'w1:j:t:1', status: 'Completed' as const, output_artifact_uri: 'artifact://j/t/output.json', error: '', duration_millis: 3 };

describe('ControlPlaneThread', () => {
  it('gives the same results and the same classified errors as the in-thread client', async () => {
    replies = {
      'POST /v1/workers/register': { status: 200, body: { accepted: true, heartbeat_interval_seconds: 7 } },
      'POST /v1/workers/w1/heartbeat': { status: 404, body: { error: 'worker not registered' } },
      'GET /v1/workers/w1/assignments': { status: 200, body: { assignments: [{ job_id: 'j', task_id: 't', type: 'aggregation', inputs: {}, attempt: 1, lease_id: 'l' }] } },
      'GET /v1/workers/w2/assignments': { status: 503, body: 'overloaded' },
      'POST /v1/tasks/report': { status: 400, body: { error: 'stale lease for task t' } },
      'GET /healthz': { status: 200, body: { ok: true } },
    };
    const calls = (api: ControlPlaneApi) => [
      api.register(registerBody),
      api.heartbeat('w1', heartbeatBody),
      api.poll('w1', 2),
      api.poll('w2', 1),
      api.report(report),
      api.healthz(),
    ];
    const expected = await Promise.all(calls(inThread()).map(outcome));
    const actual = await Promise.all(calls(onThread()).map(outcome));
    expect(actual).toEqual(expected);
    // The cases are what they claim to be (the comparison alone would pass if both clients broke alike).
    expect(expected).toMatchObject([
      { value: { accepted: true, heartbeat_interval_seconds: 7 } },
      { kind: 'not-registered', operation: 'heartbeat', status: 404 },
      { value: [{ job_id: 'j', task_id: 't' }] },
      { kind: 'transient', operation: 'poll', status: 503 },
      { kind: 'stale-lease', operation: 'report', status: 400 },
      { value: undefined },
    ]);
  });

  it('sends the token and the same request bodies', async () => {
    replies = { 'POST /v1/tasks/report': { status: 200, body: { accepted: true } } };
    await inThread('t0k3n').report(report);
    await onThread({ token: 't0k3n' }).report(report);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/v1/tasks/report', token: 't0k3n' });
    expect(JSON.parse(seen[1]!.body)).toEqual(report);
  });

  it('classifies an unreachable control plane as transient, with the same message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const viaThread = new ControlPlaneThread({ baseUrl: url, timeoutMillis: 2000 });
    threads.push(viaThread);
    const expected = await outcome(new ControlPlaneClient({ baseUrl: url, timeoutMillis: 2000 }).poll('w1', 1));
    expect(expected).toMatchObject({ kind: 'transient', operation: 'poll', message: 'poll: ECONNREFUSED' });
    expect(await outcome(viaThread.poll('w1', 1))).toEqual(expected);
  });

  it('times a request out like the in-thread client', async () => {
    replies = { 'GET /v1/workers/w1/assignments': 'hang' };
    expect(await outcome(onThread({ timeoutMillis: 150 }).poll('w1', 1))).toEqual({ name: 'ControlPlaneError', kind: 'transient', operation: 'poll', message: 'poll: request timed out', status: undefined });
  });

  it('rejects an aborted call with the caller\'s reason and cancels its request', async () => {
    replies = { 'GET /v1/workers/w1/assignments': 'hang' };
    const controller = new AbortController();
    const polling = onThread().poll('w1', 1, controller.signal);
    await expect.poll(() => hung.size).toBe(1);
    const [request] = hung;
    const cancelled = new Promise<void>((resolve) => request!.socket.once('close', () => resolve()));
    controller.abort(new Error('poller stopped'));
    await expect(polling).rejects.toThrow('poller stopped');
    await cancelled;
  });

  it('wraps each call in the around hook (metrics, spans), start to end', async () => {
    replies = { 'POST /v1/tasks/report': { status: 200, body: { accepted: true } }, 'GET /healthz': { status: 200, body: {} } };
    const operations: string[] = [];
    const client = onThread({
      around: async (operation, call) => {
        operations.push(`${operation}:start`);
        try {
          return await call();
        } finally {
          operations.push(`${operation}:end`);
        }
      },
    });
    await client.report(report);
    await client.healthz();
    expect(operations).toEqual(['report:start', 'report:end', 'healthz:start', 'healthz:end']);
  });

  it('fails the calls still pending when it is closed, and every later call', async () => {
    replies = { 'GET /v1/workers/w1/assignments': 'hang' };
    const client = onThread();
    const polling = outcome(client.poll('w1', 1));
    await expect.poll(() => hung.size).toBe(1);
    await client.close();
    expect(await polling).toMatchObject({ kind: 'transient', operation: 'poll', message: 'poll: the control-plane thread exited' });
    expect(await outcome(client.poll('w1', 1))).toMatchObject({ kind: 'transient', message: 'poll: the control-plane client is closed' });
  });
});

describe('createWorker({ controlPlaneThread: true })', () => {
  it('talks to the control plane from the main thread while idle and from the I/O thread once it runs tasks', async () => {
    const cp = await startControlPlaneServer({ port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'splai-io-thread-'));
    const lines: string[] = [];
    const worker = createWorker({
      config: { controlPlaneUrl: cp.url, workerId: 'io-w', artifactRoot: dir, maxParallelTasks: 1, pollMillis: 50, httpAddr: 'off' },
      controlPlaneThread: true,
      stateDir: false,
      logger: createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) }),
    });
    const switched = () => lines.some((line) => line.includes('control-plane calls run on the I/O thread'));
    try {
      worker.start();
      await expect.poll(() => cp.controlPlane.worker('io-w') !== undefined, { timeout: 10_000 }).toBe(true);
      // Registered, heartbeating and polling, but no task yet: still on the main thread.
      expect(switched()).toBe(false);
      const { job_id } = cp.controlPlane.submitJob({ job_id: 'io-job', tasks: [{ task_id: 't1', type: 'aggregation', inputs: { items_json: '[{"a":"1"}]' } }] });
      const job = await cp.controlPlane.waitForJob(job_id, { timeoutMs: 10_000 });
      expect(job.status).toBe('Completed');
      expect(switched()).toBe(true);
    } finally {
      await worker.stop();
      await cp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
