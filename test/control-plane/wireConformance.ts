/**
 * The wire contract, checked through a face (HTTP server or MSW handlers) with
 * plain fetch: every status, every error string, exact bodies. Both faces run
 * the same suite (httpFace.test.ts, mswFace.test.ts), so they cannot drift apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlPlane, ControlPlaneOptions } from '../../control-plane/ControlPlane.js';
import { ManualClock } from '../../control-plane/clock.js';
import { GARBAGE_BODY } from '../../control-plane/faults.js';

export interface StartedFace {
  readonly baseUrl: string;
  readonly controlPlane: ControlPlane;
  close(): Promise<void>;
}

export type StartFace = (options: ControlPlaneOptions) => Promise<StartedFace>;

interface Ctx {
  url: string;
  cp: ControlPlane;
  clock: ManualClock;
}

export function describeWireConformance(faceName: string, startFace: StartFace): void {
  const open: StartedFace[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });

  async function start(options: ControlPlaneOptions = {}): Promise<Ctx> {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
    const face = await startFace({ clock, ...options });
    open.push(face);
    return { url: face.baseUrl, cp: face.controlPlane, clock };
  }

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  async function expectReply(res: Response | Promise<Response>, status: number, body: unknown): Promise<void> {
    const r = await res;
    const text = await r.text();
    expect({ status: r.status, body: JSON.parse(text) as unknown }).toEqual({ status, body });
    expect(r.headers.get('content-type')).toContain('application/json');
  }

  describe(`${faceName}: worker endpoints`, () => {
    it('GET (or any method) /healthz -> {"status":"ok"}', async () => {
      const { url } = await start();
      await expectReply(fetch(`${url}/healthz`), 200, { status: 'ok' });
      await expectReply(post(`${url}/healthz`, {}), 200, { status: 'ok' });
    });

    it('bodies are written like Go json.Encoder: compact, <, > and & escaped, with a trailing newline', async () => {
      const { url, cp } = await start();
      const res = await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      expect(await res.text()).toBe('{"accepted":true,"heartbeat_interval_seconds":5}\n');
      expect(await (await fetch(`${url}/v1/workers/w1/assignments`)).text()).toBe('{"assignments":null}\n');
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      for (let i = 0; i < 2; i++) {
        const reply = await post(`${url}/v1/tasks/report`, { job_id: 'j', task_id: '<a&b>' });
        expect(await reply.text()).toBe('{"error":"task \\u003ca\\u0026b\\u003e not found"}\n');
      }
    });

    it('register: 200, 400 worker_id is required, 400 invalid request body, 405; decoded like Go', async () => {
      const { url, cp } = await start({ heartbeatIntervalSeconds: 3 });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1', cpu: 8, memory: '16Gi', gpu: false, models: [], tools: ['bash'], backends: ['LlamaCpp'], locality: 'local' }), 200, { accepted: true, heartbeat_interval_seconds: 3 });
      expect(cp.worker('w1')?.backends).toEqual(['llama.cpp']);
      await expectReply(post(`${url}/v1/workers/register`, { cpu: 2 }), 400, { error: 'worker_id is required' });
      await expectReply(post(`${url}/v1/workers/register`, 'null'), 400, { error: 'worker_id is required' });
      await expectReply(post(`${url}/v1/workers/register`, 'not json'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/workers/register`, '[]'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w2', cpu: 'eight' }), 400, { error: 'invalid request body' });
      // Go reads the first JSON value only, and matches field names case-insensitively.
      await expectReply(post(`${url}/v1/workers/register`, '{"worker_id":"w3"} trailing'), 200, { accepted: true, heartbeat_interval_seconds: 3 });
      await expectReply(post(`${url}/v1/workers/register`, '{"Worker_ID":"w4"}'), 200, { accepted: true, heartbeat_interval_seconds: 3 });
      expect(cp.workers().map((w) => w.worker_id)).toEqual(['w1', 'w3', 'w4']);
      await expectReply(fetch(`${url}/v1/workers/register`), 405, { error: 'method not allowed' });
      await expectReply(fetch(`${url}/v1/workers/register`, { method: 'PUT', body: '{}' }), 405, { error: 'method not allowed' });
    });

    it('heartbeat: 404 worker not registered, 200 accepted, 400 for a fractional count, 405 on GET', async () => {
      const { url } = await start();
      await expectReply(post(`${url}/v1/workers/ghost/heartbeat`, { health: 'healthy' }), 404, { error: 'worker not registered' });
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, { queue_depth: 0, running_tasks: 0, cpu_utilization: 1, memory_utilization: 2, health: 'healthy', timestamp_unix: 1 }), 200, { accepted: true });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, { running_tasks: 1.5 }), 400, { error: 'invalid request body' });
      await expectReply(fetch(`${url}/v1/workers/w1/heartbeat`), 405, { error: 'method not allowed' });
      // The gateway only looks at the first two path segments after /v1/workers/.
      await expectReply(post(`${url}/v1/workers/w1/heartbeat/extra`, {}), 200, { accepted: true });
    });

    it('assignments: max_tasks parsed like strconv.Atoi (anything else is 1), 404, 405 on POST', async () => {
      const { url, cp } = await start();
      await expectReply(fetch(`${url}/v1/workers/ghost/assignments?max_tasks=1`), 404, { error: 'worker not registered' });
      await post(`${url}/v1/workers/register`, { worker_id: 'host a' });
      cp.submitJob({ job_id: 'j', tasks: Array.from({ length: 40 }, (_, i) => ({ task_id: `t${i}`, type: 'x' })) });
      const counts: Record<string, number> = {};
      for (const query of ['', '?max_tasks=abc', '?max_tasks=0', '?max_tasks=-3', '?max_tasks=5abc', '?max_tasks=2.5', '?max_tasks=1e3', '?max_tasks=%202', '?max_tasks=+2', '?max_tasks=%2B2', '?max_tasks=3&max_tasks=9']) {
        const res = await fetch(`${url}/v1/workers/host%20a/assignments${query}`);
        const body = (await res.json()) as { assignments: Array<{ lease_id: string }> };
        counts[query] = body.assignments.length;
        expect(body.assignments[0]?.lease_id.startsWith('host a:')).toBe(true);
      }
      expect(counts).toEqual({
        '': 1, '?max_tasks=abc': 1, '?max_tasks=0': 1, '?max_tasks=-3': 1, '?max_tasks=5abc': 1, '?max_tasks=2.5': 1,
        '?max_tasks=1e3': 1, '?max_tasks=%202': 1, '?max_tasks=+2': 1, '?max_tasks=%2B2': 2, '?max_tasks=3&max_tasks=9': 3,
      });
      await expectReply(post(`${url}/v1/workers/host%20a/assignments`, {}), 405, { error: 'method not allowed' });
    });

    it('report: 404 job not found, 400 task not found, 400 stale lease, 200 duplicate, 405 on GET', async () => {
      const { url, cp, clock } = await start();
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't1', type: 'x' }] });
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      const first = ((await (await fetch(`${url}/v1/workers/w1/assignments?max_tasks=1`)).json()) as { assignments: Array<{ lease_id: string }> }).assignments[0]!;
      clock.advance(15_001);
      const second = ((await (await fetch(`${url}/v1/workers/w1/assignments?max_tasks=1`)).json()) as { assignments: Array<{ lease_id: string; attempt: number }> }).assignments[0]!;
      expect(second.attempt).toBe(2);
      const report = { worker_id: 'w1', job_id: 'j', task_id: 't1', lease_id: second.lease_id, idempotency_key: 'w1:j:t1:2', status: 'Completed', output_artifact_uri: 'artifact://j/t1/output.json', error: '', duration_millis: 3 };
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, job_id: 'nope' }), 404, { error: 'job not found' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, task_id: 'zz' }), 400, { error: 'task zz not found' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, lease_id: first.lease_id, idempotency_key: 'w1:j:t1:1' }), 400, { error: 'stale lease for task t1' });
      await expectReply(post(`${url}/v1/tasks/report`, 'nope'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
      expect(cp.task('j', 't1').reports).toHaveLength(1);
      expect(cp.getJob('j')).toMatchObject({ status: 'Completed', result_artifact_uri: 'artifact://j/t1/output.json' });
      await expectReply(fetch(`${url}/v1/tasks/report`), 405, { error: 'method not allowed' });
    });

    it('paths: Go\'s plain-text 404 outside the handlers, the handlers\' own 404s inside', async () => {
      const { url } = await start();
      for (const path of ['/v1/nothing', '/', '/v1/tasks/report/', '/healthz/']) {
        const res = await fetch(`${url}${path}`);
        expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([404, 'text/plain; charset=utf-8', '404 page not found\n']);
      }
      await expectReply(fetch(`${url}/v1/workers/w1`), 404, { error: 'worker subresource not found' });
      await expectReply(fetch(`${url}/v1/workers/w1/unknown`), 404, { error: 'worker subresource not found' });
      await expectReply(post(`${url}/v1/workers/register/`, { worker_id: 'x' }), 404, { error: 'worker subresource not found' });
      // The path is decoded before it is split: an id with a "/" cannot be used.
      await expectReply(fetch(`${url}/v1/workers/a%2Fb/assignments`), 404, { error: 'worker subresource not found' });
      await expectReply(fetch(`${url}/v1/jobs/`), 404, { error: 'job id is required' });
    });
  });

  describe(`${faceName}: jobs API`, () => {
    it('submit (202, then 200 for a known id), status, tasks, list, cancel, archive, 400s and 404s', async () => {
      const { url } = await start();
      const dag = { job_id: 'demo', tasks: [{ task_id: 'a', type: 'embedding', inputs: { text: 'hi' } }, { task_id: 'b', type: 'aggregation', dependencies: ['a'] }] };
      await expectReply(post(`${url}/v1/jobs`, dag), 202, { job_id: 'demo', status: 'Running' });
      await expectReply(post(`${url}/v1/jobs`, dag), 200, { job_id: 'demo', status: 'Running' });
      await expectReply(post(`${url}/v1/jobs`, { tasks: [{ task_id: 'a', type: 'x', depends_on: ['b'] }] }), 400, { error: 'task a depends on unknown task b' });
      await expectReply(post(`${url}/v1/jobs`, '{'), 400, { error: 'invalid request body' });
      await expectReply(fetch(`${url}/v1/jobs`, { method: 'PUT', body: '{}' }), 405, { error: 'method not allowed' });
      const job = (await (await fetch(`${url}/v1/jobs/demo`)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ job_id: 'demo', status: 'Running', message: '', tenant: 'default', result_artifact_uri: '', tasks: { total: 2, queued: 2 } });
      const tasks = (await (await fetch(`${url}/v1/jobs/demo/tasks`)).json()) as { job_id: string; tasks: Array<Record<string, unknown>> };
      expect(tasks.tasks.map((t) => [t['task_id'], t['status'], t['depends_on']])).toEqual([['a', 'Queued', []], ['b', 'Queued', ['a']]]);
      const list = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: Array<{ job_id: string }> };
      expect(list.jobs.map((j) => j.job_id)).toEqual(['demo']);
      await expectReply(post(`${url}/v1/jobs/demo/archive`, {}), 500, { error: 'job demo is not in terminal state' });
      await expectReply(fetch(`${url}/v1/jobs/demo`, { method: 'DELETE' }), 200, { accepted: true });
      expect(((await (await fetch(`${url}/v1/jobs/demo`)).json()) as { status: string }).status).toBe('Canceled');
      expect(((await (await post(`${url}/v1/jobs/demo/cancel`, {})).json()) as { status: string }).status).toBe('Canceled');
      await expectReply(post(`${url}/v1/jobs/demo/archive`, {}), 200, { accepted: true });
      await expectReply(fetch(`${url}/v1/jobs/demo/archive`), 405, { error: 'method not allowed' });
      await expectReply(fetch(`${url}/v1/jobs/demo/cancel`), 405, { error: 'method not allowed' });
      await expectReply(post(`${url}/v1/jobs/demo/tasks`, {}), 405, { error: 'method not allowed' });
      await expectReply(fetch(`${url}/v1/jobs/demo/stream`), 404, { error: 'job subresource not found' });
      await expectReply(fetch(`${url}/v1/jobs/nope`), 404, { error: 'job not found' });
      await expectReply(fetch(`${url}/v1/jobs/nope/tasks`), 404, { error: 'job not found' });
    });
  });

  describe(`${faceName}: auth`, () => {
    const tokens = ['full', { token: 'reader', scopes: ['job:read'] }, { token: 'reporter', scopes: ['task:report'] }, { token: 'acme', scopes: ['tenant:acme'] }];

    it('register, heartbeat and poll never look at the token', async () => {
      const { url } = await start({ tokens });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }), 200, { accepted: true, heartbeat_interval_seconds: 5 });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}, { 'x-splai-token': 'wrong' }), 200, { accepted: true });
      await expectReply(fetch(`${url}/v1/workers/w1/assignments`, { headers: { authorization: 'Bearer wrong' } }), 200, { assignments: null });
      await expectReply(fetch(`${url}/healthz`), 200, { status: 'ok' });
    });

    it('report: method, body and job first (405, 400, 404 before the token), then 401 missing/invalid, 403 tenant action denied', async () => {
      const { url, cp } = await start({ tokens });
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      const report = { worker_id: 'w1', job_id: 'j', task_id: 't', idempotency_key: 'k', status: 'Running' };
      await expectReply(fetch(`${url}/v1/tasks/report`), 405, { error: 'method not allowed' });
      await expectReply(post(`${url}/v1/tasks/report`, 'x'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, job_id: 'nope' }), 404, { error: 'job not found' });
      await expectReply(post(`${url}/v1/tasks/report`, report), 401, { error: 'missing bearer token' });
      await expectReply(post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'wrong' }), 401, { error: 'invalid token' });
      await expectReply(post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'reader' }), 403, { error: 'tenant action denied' });
      await expectReply(post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'acme' }), 403, { error: 'tenant action denied' });
      // Authorization wins over X-SPLAI-Token when both are sent.
      await expectReply(post(`${url}/v1/tasks/report`, report, { authorization: 'Bearer wrong', 'x-splai-token': 'full' }), 401, { error: 'invalid token' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, task_id: 'zz' }, { 'x-splai-token': 'reporter' }), 400, { error: 'task zz not found' });
      await expectReply(post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'reporter' }), 200, { accepted: true });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, idempotency_key: 'k2' }, { authorization: 'bearer full' }), 200, { accepted: true });
    });

    it("jobs: the job's tenant and action (read, submit, cancel); the tenant from the body, else X-SPLAI-Tenant, else default", async () => {
      const { url, cp } = await start({ tokens });
      const dag = { job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] };
      await expectReply(post(`${url}/v1/jobs`, '{'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/jobs`, dag), 401, { error: 'missing bearer token' });
      await expectReply(post(`${url}/v1/jobs`, dag, { 'x-splai-token': 'reader' }), 403, { error: 'tenant action denied' });
      await expectReply(post(`${url}/v1/jobs`, dag, { 'x-splai-token': 'acme' }), 403, { error: 'tenant action denied' });
      await expectReply(post(`${url}/v1/jobs`, dag, { 'x-splai-token': 'acme', 'x-splai-tenant': 'acme' }), 202, { job_id: 'j', status: 'Running' });
      expect(cp.getJob('j').tenant).toBe('acme');
      await expectReply(post(`${url}/v1/jobs`, { ...dag, job_id: 'k', tenant: 'default' }, { 'x-splai-token': 'full', 'x-splai-tenant': 'acme' }), 202, { job_id: 'k', status: 'Running' });
      expect(cp.getJob('k').tenant).toBe('default');
      await expectReply(fetch(`${url}/v1/jobs/nope`), 404, { error: 'job not found' });
      await expectReply(fetch(`${url}/v1/jobs/j`), 401, { error: 'missing bearer token' });
      await expectReply(fetch(`${url}/v1/jobs/j`, { headers: { 'x-splai-token': 'reporter' } }), 403, { error: 'tenant action denied' });
      // job:read without a tenant scope reads every tenant's jobs.
      expect((await fetch(`${url}/v1/jobs/j`, { headers: { 'x-splai-token': 'reader' } })).status).toBe(200);
      await expectReply(fetch(`${url}/v1/jobs/k`, { method: 'DELETE', headers: { 'x-splai-token': 'reader' } }), 403, { error: 'tenant action denied' });
      await expectReply(fetch(`${url}/v1/jobs/j`, { method: 'DELETE', headers: { 'x-splai-token': 'acme' } }), 200, { accepted: true });
      const listed = (await (await fetch(`${url}/v1/jobs`, { headers: { 'x-splai-token': 'acme' } })).json()) as { jobs: Array<{ job_id: string }> };
      expect(listed.jobs.map((j) => j.job_id)).toEqual(['j']);
    });
  });

  describe(`${faceName}: store failures`, () => {
    it('the storeFailure fault: 400 on report, 404 on heartbeat and poll, 500 on register and jobs; nothing applied', async () => {
      const { url, cp } = await start();
      cp.register({ worker_id: 'w' });
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      const message = 'pq: connection refused';
      const once = (endpoint: 'register' | 'heartbeat' | 'assignments' | 'report' | 'jobs') => cp.faults.set(endpoint, { storeFailure: message, times: 1 });
      once('assignments');
      await expectReply(fetch(`${url}/v1/workers/w/assignments`), 404, { error: message });
      const a = cp.assignments('w', 1).assignments![0]!;
      once('heartbeat');
      await expectReply(post(`${url}/v1/workers/w/heartbeat`, { running_tasks: 1 }), 404, { error: message });
      expect(cp.worker('w')?.running_tasks).toBe(0);
      once('report');
      const report = { worker_id: 'w', job_id: 'j', task_id: 't', lease_id: a.lease_id, idempotency_key: 'k', status: 'Completed' };
      await expectReply(post(`${url}/v1/tasks/report`, report), 400, { error: message });
      expect(cp.task('j', 't').status).toBe('Assigned');
      once('register');
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'x' }), 500, { error: message });
      once('jobs');
      await expectReply(post(`${url}/v1/jobs`, { tasks: [{ task_id: 't', type: 'x' }] }), 500, { error: message });
      expect(cp.jobs()).toHaveLength(1);
      expect(cp.faults.injected.storeFailure).toBe(5);
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
    });
  });

  describe(`${faceName}: fault injection`, () => {
    it('5xx before the core: nothing is applied', async () => {
      const { url, cp } = await start();
      cp.faults.set('register', { errorRate: 1, errorStatus: 502, times: 1 });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }), 502, { error: 'injected fault' });
      expect(cp.workers()).toEqual([]);
      // `times: 1` removed the fault
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }), 200, { accepted: true, heartbeat_interval_seconds: 5 });
      expect(cp.faults.injected.error).toBe(1);
    });

    it("phase 'after': the report is applied but the reply is lost; the retry is an idempotent duplicate", async () => {
      const { url, cp } = await start();
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      cp.register({ worker_id: 'w1' });
      const a = cp.assignments('w1', 1).assignments![0]!;
      const report = { worker_id: 'w1', job_id: 'j', task_id: 't', lease_id: a.lease_id, idempotency_key: 'w1:j:t:1', status: 'Completed', output_artifact_uri: 'artifact://j/t/output.json' };
      cp.faults.set('report', { errorRate: 1, phase: 'after', times: 1 });
      expect((await post(`${url}/v1/tasks/report`, report)).status).toBe(503);
      expect(cp.getJob('j').status).toBe('Completed');
      const outcomes: string[] = [];
      cp.onReport((_r, o) => outcomes.push(o));
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
      expect(outcomes).toEqual(['duplicate']);
    });

    it('garbage: 200 with a body that is not JSON', async () => {
      const { url, cp } = await start();
      cp.register({ worker_id: 'w1' });
      cp.faults.set('assignments', { garbageRate: 1 });
      const res = await fetch(`${url}/v1/workers/w1/assignments?max_tasks=1`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toBe(GARBAGE_BODY);
      expect(() => JSON.parse(text) as unknown).toThrow();
    });

    it('reset: the request fails at the network level', async () => {
      const { url, cp } = await start();
      cp.faults.set('heartbeat', { resetRate: 1, times: 1 });
      await expect(post(`${url}/v1/workers/w1/heartbeat`, {})).rejects.toThrow(TypeError);
      expect(cp.faults.injected.reset).toBe(1);
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}), 404, { error: 'worker not registered' });
    });

    it('stall: the reply is held back for stallMs, then arrives normally', async () => {
      const { url, cp } = await start();
      cp.faults.set('healthz', { stallMs: 400, times: 1 });
      const reply = fetch(`${url}/healthz`);
      const first = await Promise.race([reply.then(() => 'reply'), new Promise((r) => setTimeout(() => r('timer'), 30))]);
      expect(first).toBe('timer');
      await expectReply(reply, 200, { status: 'ok' });
      expect(cp.faults.injected.stall).toBe(1);
    });

    it('rates are deterministic for a seed', async () => {
      const run = async (seed: number) => {
        const { url, cp } = await start({ seed });
        cp.faults.set('*', { errorRate: 0.5 });
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++) statuses.push((await fetch(`${url}/healthz`)).status);
        return statuses;
      };
      const a = await run(7);
      expect(await run(7)).toEqual(a);
      expect(a.filter((s) => s === 503).length).toBeGreaterThan(5);
      expect(a.filter((s) => s === 200).length).toBeGreaterThan(5);
      expect(await run(8)).not.toEqual(a);
    });

    it('restart forgets workers: the next heartbeat and poll are 404 until the worker registers again', async () => {
      const { url, cp } = await start();
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      cp.restart();
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}), 404, { error: 'worker not registered' });
      await expectReply(fetch(`${url}/v1/workers/w1/assignments`), 404, { error: 'worker not registered' });
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}), 200, { accepted: true });
    });
  });
}
