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
    it('GET /healthz -> {"status":"ok"}', async () => {
      const { url } = await start();
      await expectReply(fetch(`${url}/healthz`), 200, { status: 'ok' });
    });

    it('register: 200 reply, 400 worker_id is required, 400 invalid request body, 405', async () => {
      const { url, cp } = await start({ heartbeatIntervalSeconds: 3 });
      const res = await post(`${url}/v1/workers/register`, { worker_id: 'w1', cpu: 8, memory: '16Gi', gpu: false, models: [], tools: ['bash'], backends: ['LlamaCpp'], locality: 'local' });
      expect(await res.text()).toBe('{"accepted":true,"heartbeat_interval_seconds":3}');
      expect(cp.worker('w1')?.backends).toEqual(['llama.cpp']);
      await expectReply(post(`${url}/v1/workers/register`, { cpu: 2 }), 400, { error: 'worker_id is required' });
      await expectReply(post(`${url}/v1/workers/register`, 'not json'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w2', cpu: 'eight' }), 400, { error: 'invalid request body' });
      await expectReply(fetch(`${url}/v1/workers/register`), 405, { error: 'method not allowed' });
      await expectReply(fetch(`${url}/v1/workers/register`, { method: 'PUT', body: '{}' }), 405, { error: 'method not allowed' });
    });

    it('heartbeat: 404 worker not registered, 200 accepted, 405 on GET', async () => {
      const { url } = await start();
      await expectReply(post(`${url}/v1/workers/ghost/heartbeat`, { health: 'healthy' }), 404, { error: 'worker not registered' });
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, { queue_depth: 0, running_tasks: 0, cpu_utilization: 1, memory_utilization: 2, health: 'healthy', timestamp_unix: 1 }), 200, { accepted: true });
      await expectReply(fetch(`${url}/v1/workers/w1/heartbeat`), 405, { error: 'method not allowed' });
    });

    it('assignments: exact nil body, max_tasks defaults, 404, worker ids are URL-decoded, 405 on POST', async () => {
      const { url, cp } = await start();
      await expectReply(fetch(`${url}/v1/workers/ghost/assignments?max_tasks=1`), 404, { error: 'worker not registered' });
      await post(`${url}/v1/workers/register`, { worker_id: 'host a/1' });
      const empty = await fetch(`${url}/v1/workers/host%20a%2F1/assignments?max_tasks=4`);
      expect(await empty.text()).toBe('{"assignments":null}');
      cp.submitJob({ job_id: 'j', tasks: ['a', 'b', 'c'].map((id) => ({ task_id: id, type: 'x' })) });
      for (const query of ['', '?max_tasks=abc', '?max_tasks=0']) {
        const res = await fetch(`${url}/v1/workers/host%20a%2F1/assignments${query}`);
        const body = (await res.json()) as { assignments: Array<{ lease_id: string }> };
        expect(body.assignments).toHaveLength(1);
        expect(body.assignments[0]?.lease_id.startsWith('host a/1:')).toBe(true);
      }
      await expectReply(post(`${url}/v1/workers/host%20a%2F1/assignments`, {}), 405, { error: 'method not allowed' });
    });

    it('report: 404 job not found, 400 task not found, 400 stale lease, 200 duplicate, 405 on GET', async () => {
      const { url, cp, clock } = await start();
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't1', type: 'x' }] });
      await post(`${url}/v1/workers/register`, { worker_id: 'w1' });
      await post(`${url}/v1/workers/register`, { worker_id: 'w2' });
      const first = ((await (await fetch(`${url}/v1/workers/w1/assignments?max_tasks=1`)).json()) as { assignments: Array<{ lease_id: string }> }).assignments[0]!;
      clock.advance(15_001);
      const second = ((await (await fetch(`${url}/v1/workers/w2/assignments?max_tasks=1`)).json()) as { assignments: Array<{ lease_id: string; attempt: number }> }).assignments[0]!;
      expect(second.attempt).toBe(2);
      const report = { worker_id: 'w2', job_id: 'j', task_id: 't1', lease_id: second.lease_id, idempotency_key: 'w2:j:t1:2', status: 'Completed', output_artifact_uri: 'artifact://j/t1/output.json', error: '', duration_millis: 3 };
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, job_id: 'nope' }), 404, { error: 'job not found' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, task_id: 'zz' }), 400, { error: 'task zz not found' });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, worker_id: 'w1', lease_id: first.lease_id, idempotency_key: 'w1:j:t1:1' }), 400, { error: 'stale lease for task t1' });
      await expectReply(post(`${url}/v1/tasks/report`, 'nope'), 400, { error: 'invalid request body' });
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
      await expectReply(post(`${url}/v1/tasks/report`, report), 200, { accepted: true });
      expect(cp.tasks('j')[0]?.reports).toHaveLength(1);
      expect(cp.getJob('j')).toMatchObject({ status: 'Completed', result_artifact_uri: 'artifact://j/t1/output.json' });
      await expectReply(fetch(`${url}/v1/tasks/report`), 405, { error: 'method not allowed' });
    });

    it('unknown paths are 404 not found', async () => {
      const { url } = await start();
      await expectReply(fetch(`${url}/v1/nothing`), 404, { error: 'not found' });
      await expectReply(fetch(`${url}/v1/workers/w1/unknown`), 404, { error: 'not found' });
    });
  });

  describe(`${faceName}: jobs API`, () => {
    it('submit (201, then 200 for a known id), status, tasks, list, cancel, 400s and 404s', async () => {
      const { url } = await start();
      const dag = { job_id: 'demo', tasks: [{ task_id: 'a', type: 'embedding', inputs: { text: 'hi' } }, { task_id: 'b', type: 'aggregation', depends_on: ['a'] }] };
      await expectReply(post(`${url}/v1/jobs`, dag), 201, { job_id: 'demo', status: 'Queued' });
      await expectReply(post(`${url}/v1/jobs`, dag), 200, { job_id: 'demo', status: 'Queued' });
      await expectReply(post(`${url}/v1/jobs`, { tasks: [{ task_id: 'a', type: 'x', depends_on: ['b'] }] }), 400, { error: 'task a depends on unknown task b' });
      await expectReply(post(`${url}/v1/jobs`, '{'), 400, { error: 'invalid request body' });
      const job = (await (await fetch(`${url}/v1/jobs/demo`)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ job_id: 'demo', status: 'Queued', result_artifact_uri: '', tasks: { total: 2, queued: 2 } });
      const tasks = (await (await fetch(`${url}/v1/jobs/demo/tasks`)).json()) as { job_id: string; tasks: Array<Record<string, unknown>> };
      expect(tasks.tasks.map((t) => [t['task_id'], t['status'], t['depends_on']])).toEqual([['a', 'Queued', []], ['b', 'Queued', ['a']]]);
      const list = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: Array<{ job_id: string }> };
      expect(list.jobs.map((j) => j.job_id)).toEqual(['demo']);
      const canceled = (await (await post(`${url}/v1/jobs/demo/cancel`, {})).json()) as { status: string };
      expect(canceled.status).toBe('Canceled');
      await expectReply(fetch(`${url}/v1/jobs/demo/cancel`), 405, { error: 'method not allowed' });
      await expectReply(fetch(`${url}/v1/jobs/nope`), 404, { error: 'job not found' });
      await expectReply(fetch(`${url}/v1/jobs/nope/tasks`), 404, { error: 'job not found' });
    });
  });

  describe(`${faceName}: auth`, () => {
    const tokens = ['full', { token: 'reader', scopes: ['jobs:read'] }, { token: 'reporter', scopes: ['task:report'] }];

    it('401 missing bearer token, 401 invalid token; Bearer or X-SPLAI-Token accepted; healthz open', async () => {
      const { url } = await start({ tokens });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }), 401, { error: 'missing bearer token' });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }, { 'x-splai-token': 'wrong' }), 401, { error: 'invalid token' });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }, { authorization: 'Bearer wrong' }), 401, { error: 'invalid token' });
      await expectReply(fetch(`${url}/v1/workers/w1/assignments`), 401, { error: 'missing bearer token' });
      await expectReply(post(`${url}/v1/workers/register`, { worker_id: 'w1' }, { authorization: 'Bearer full' }), 200, { accepted: true, heartbeat_interval_seconds: 5 });
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}, { 'x-splai-token': 'full' }), 200, { accepted: true });
      // Authorization wins over X-SPLAI-Token when both are sent.
      await expectReply(post(`${url}/v1/workers/w1/heartbeat`, {}, { authorization: 'Bearer wrong', 'x-splai-token': 'full' }), 401, { error: 'invalid token' });
      await expectReply(fetch(`${url}/healthz`), 200, { status: 'ok' });
    });

    it('403 on report for a token without task:report; 401 takes precedence over 405', async () => {
      const { url, cp } = await start({ tokens });
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      const report = { worker_id: 'w1', job_id: 'j', task_id: 't', idempotency_key: 'k', status: 'Running' };
      const res = await post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'reader' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain('task:report');
      await expectReply(post(`${url}/v1/tasks/report`, report, { 'x-splai-token': 'reporter' }), 200, { accepted: true });
      await expectReply(post(`${url}/v1/tasks/report`, { ...report, idempotency_key: 'k2' }, { authorization: 'Bearer full' }), 200, { accepted: true });
      await expectReply(fetch(`${url}/v1/tasks/report`), 401, { error: 'missing bearer token' });
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
