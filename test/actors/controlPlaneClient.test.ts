import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneClient } from '../../actors/controlPlaneClient.js';
import { isControlPlaneError, type ControlPlaneErrorKind } from '../../base/ControlPlaneError.js';

const base = 'http://cp.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (token = '') => new ControlPlaneClient({ baseUrl: base, token, timeoutMillis: 300 });
const report = {
  worker_id: 'w', job_id: 'j', task_id: 't', lease_id: 'w:t:1:1', idempotency_key: 'w:j:t:1',
  status: 'Completed' as const, output_artifact_uri: 'artifact://j/t/output.json', error: '', duration_millis: 3,
};
const heartbeat = { queue_depth: 0, running_tasks: 0, cpu_utilization: 1, memory_utilization: 2, health: 'healthy' as const, timestamp_unix: 1 };

async function kindOf(call: Promise<unknown>): Promise<ControlPlaneErrorKind | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (!isControlPlaneError(error)) throw error;
    return error.kind;
  }
}

describe('ControlPlaneClient', () => {
  it('sends X-SPLAI-Token on every call when configured, and no token header otherwise', async () => {
    const seen: (string | null)[] = [];
    server.use(
      http.all(`${base}/*`, ({ request }) => {
        seen.push(request.headers.get('x-splai-token'));
        if (request.url.includes('assignments')) return HttpResponse.json({ assignments: null });
        if (request.url.endsWith('register')) return HttpResponse.json({ accepted: true, heartbeat_interval_seconds: 5 });
        return HttpResponse.json({ accepted: true });
      }),
    );
    const c = client('secret-token');
    await c.register({ worker_id: 'w', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: 'local' });
    await c.heartbeat('w', heartbeat);
    await c.poll('w', 2);
    await c.report(report);
    await client().poll('w', 1);
    expect(seen).toEqual(['secret-token', 'secret-token', 'secret-token', 'secret-token', null]);
  });

  it('keeps {"assignments": null} (queue empty) apart from [] (work queued, none for this worker), and asks for max_tasks', async () => {
    let asked = '';
    let body: unknown = { assignments: null };
    server.use(
      http.get(`${base}/v1/workers/:id/assignments`, ({ request }) => {
        asked = new URL(request.url).searchParams.get('max_tasks') ?? '';
        return HttpResponse.json(body as Record<string, unknown>);
      }),
    );
    await expect(client().poll('worker a', 3)).resolves.toBeNull();
    expect(asked).toBe('3');
    body = { assignments: [] };
    await expect(client().poll('worker a', 1)).resolves.toEqual([]);
    // A reply without the field is the empty queue too (Go's nil slice, or an older gateway).
    body = {};
    await expect(client().poll('worker a', 1)).resolves.toBeNull();
  });

  it('classifies every failure so the machines can act on it', async () => {
    const reply = (status: number, error: string) => () => HttpResponse.json({ error }, { status });
    const cases: [string, () => Response | Promise<Response>, () => Promise<unknown>, ControlPlaneErrorKind][] = [
      ['401 on register', reply(401, 'invalid token'), () => client().register({ worker_id: 'w', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' }), 'auth'],
      ['403 on report', reply(403, 'forbidden'), () => client().report(report), 'auth'],
      ['404 on heartbeat', reply(404, 'worker not registered'), () => client().heartbeat('w', heartbeat), 'not-registered'],
      ['404 on poll', reply(404, 'worker not registered'), () => client().poll('w', 1), 'not-registered'],
      ['404 on report', reply(404, 'job not found'), () => client().report(report), 'job-gone'],
      ['400 stale lease', reply(400, 'stale lease for task t'), () => client().report(report), 'stale-lease'],
      ['400 task not found', reply(400, 'task t not found'), () => client().report(report), 'job-gone'],
      // The gateway answers failures of its own store 400 on report and 404 on heartbeat/poll: not final.
      ['400 store failure on report', reply(400, 'redis: connection refused'), () => client().report(report), 'transient'],
      ['400 invalid body on report', reply(400, 'invalid request body'), () => client().report(report), 'transient'],
      ['404 store failure on heartbeat', reply(404, 'redis: i/o timeout'), () => client().heartbeat('w', heartbeat), 'transient'],
      ['404 store failure on poll', reply(404, 'pq: connection reset'), () => client().poll('w', 1), 'transient'],
      ['404 from a proxy on report', () => new HttpResponse('404 page not found', { status: 404 }), () => client().report(report), 'transient'],
      ['400 on register', reply(400, 'worker_id is required'), () => client().register({ worker_id: 'w', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' }), 'rejected'],
      ['503', reply(503, 'unavailable'), () => client().poll('w', 1), 'transient'],
      ['500 with HTML', () => new HttpResponse('<html>oops</html>', { status: 500 }), () => client().heartbeat('w', heartbeat), 'transient'],
      ['connection error', () => HttpResponse.error(), () => client().poll('w', 1), 'transient'],
      ['garbage JSON', () => new HttpResponse('{"assignments": [', { status: 200 }), () => client().poll('w', 1), 'transient'],
      ['wrong shape', () => HttpResponse.json({ assignments: 'nope' }), () => client().poll('w', 1), 'transient'],
      ['timeout', async () => { await delay(2000); return HttpResponse.json({ assignments: null }); }, () => client().poll('w', 1), 'transient'],
    ];
    for (const [name, resolver, call, expected] of cases) {
      server.resetHandlers(http.all(`${base}/*`, resolver));
      expect(await kindOf(call()), name).toBe(expected);
    }
  });

  it('puts the gateway error text and status into the message', async () => {
    server.use(http.post(`${base}/v1/tasks/report`, () => HttpResponse.json({ error: 'stale lease for task t' }, { status: 400 })));
    await expect(client().report(report)).rejects.toMatchObject({ status: 400, message: 'report: HTTP 400: stale lease for task t' });
  });
});
