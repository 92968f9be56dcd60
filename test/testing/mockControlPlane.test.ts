/**
 * The test kit as a user sees it: `splai-worker/testing` (here imported by
 * relative path), msw's setupServer with `onUnhandledRequest: 'error'`, and plain
 * fetch speaking the worker protocol. docs/testing.md walks through the same code.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockControlPlane, ManualClock, type ReportBody } from '../../testing/index.js';

const clock = new ManualClock();
const { controlPlane, handlers, baseUrl } = createMockControlPlane({ clock, heartbeatIntervalSeconds: 1 });
const server = setupServer(...handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  controlPlane.faults.clear();
  // The gateway never forgets a worker: one left from an earlier test would compete for tasks.
  controlPlane.forgetWorkers();
  server.resetHandlers();
});
afterAll(() => server.close());

interface Assignment {
  job_id: string;
  task_id: string;
  type: string;
  inputs: Record<string, string>;
  attempt: number;
  lease_id: string;
}

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function poll(workerId: string, maxTasks: number): Promise<Assignment[]> {
  const res = await fetch(`${baseUrl}/v1/workers/${workerId}/assignments?max_tasks=${maxTasks}`);
  const body = (await res.json()) as { assignments: Assignment[] | null };
  return body.assignments ?? [];
}

function report(workerId: string, a: Assignment, status: 'Running' | 'Completed' | 'Failed', extra: Partial<ReportBody> = {}) {
  const key = `${workerId}:${a.job_id}:${a.task_id}:${a.attempt}${status === 'Running' ? ':running' : ''}`;
  return post('/v1/tasks/report', {
    worker_id: workerId,
    job_id: a.job_id,
    task_id: a.task_id,
    lease_id: a.lease_id,
    idempotency_key: key,
    status,
    output_artifact_uri: status === 'Completed' ? `artifact://${a.job_id}/${a.task_id}/output.json` : '',
    error: status === 'Failed' ? 'tool exited 1' : '',
    duration_millis: 1,
    ...extra,
  });
}

describe('a worker protocol session against the mock control plane', () => {
  it('register, heartbeat, poll and report run a DAG to completion', async () => {
    const { job_id } = controlPlane.submitJob({
      tasks: [
        { task_id: 'embed', type: 'embedding', inputs: { text: 'hello' } },
        { task_id: 'summarize', type: 'aggregation', depends_on: ['embed'] },
      ],
    });
    const done = controlPlane.waitForJob(job_id, { timeoutMs: 5000 });

    expect(await post('/v1/workers/register', { worker_id: 'kit-worker', backends: ['ollama'] })).toEqual({
      status: 200,
      body: { accepted: true, heartbeat_interval_seconds: 1 },
    });
    expect((await post('/v1/workers/kit-worker/heartbeat', { running_tasks: 0, health: 'healthy' })).status).toBe(200);

    // Work-conserving loop: run whatever is ready until the job ends.
    const seen: string[] = [];
    for (let round = 0; round < 5 && seen.length < 2; round++) {
      for (const a of await poll('kit-worker', 2)) {
        seen.push(a.task_id);
        expect((await report('kit-worker', a, 'Running')).status).toBe(200);
        expect((await report('kit-worker', a, 'Completed')).status).toBe(200);
        if (a.task_id === 'summarize') expect(a.inputs['dep:embed:output_uri']).toBe(`artifact://${job_id}/embed/output.json`);
      }
    }
    expect(seen).toEqual(['embed', 'summarize']);
    await expect(done).resolves.toMatchObject({ status: 'Completed', result_artifact_uri: `artifact://${job_id}/summarize/output.json` });
    // Two accepted reports per task, in order.
    expect(controlPlane.tasks(job_id).map((t) => t.reports.map((r) => r.status))).toEqual([
      ['Running', 'Completed'],
      ['Running', 'Completed'],
    ]);
  });

  it('a lease that is not extended expires; the late report is refused as stale', async () => {
    const { job_id } = controlPlane.submitJob({ tasks: [{ task_id: 'slow', type: 'tool_execution', inputs: { command: 'sleep 60' } }] });
    await post('/v1/workers/register', { worker_id: 'a' });
    const [first] = await poll('a', 1);
    // b has bash, so the gateway's scheduler prefers it for a tool_execution task.
    await post('/v1/workers/register', { worker_id: 'b', tools: ['bash'] });
    clock.advance(16_000); // worker a never heartbeats
    const [second] = await poll('b', 1);
    expect(second).toMatchObject({ task_id: 'slow', attempt: 2 });
    expect(await report('a', first!, 'Completed')).toEqual({ status: 400, body: { error: 'stale lease for task slow' } });
    expect((await report('b', second!, 'Completed')).status).toBe(200);
    expect(controlPlane.getJob(job_id).status).toBe('Completed');
  });

  it('a flaky control plane: 503 on the next poll, then normal service', async () => {
    controlPlane.submitJob({ tasks: [{ task_id: 'x', type: 'aggregation' }] });
    await post('/v1/workers/register', { worker_id: 'c' });
    controlPlane.faults.set('assignments', { errorRate: 1, times: 1 });
    const failed = await fetch(`${baseUrl}/v1/workers/c/assignments?max_tasks=1`);
    expect(failed.status).toBe(503);
    expect(await poll('c', 1)).toHaveLength(1);
  });
});
