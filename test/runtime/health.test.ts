import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../machines/effects.js';
import type { WorkerStatus } from '../../runtime/endpointsStatus.js';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const status = async (h: Harness) => JSON.parse((await h.get('/status')).text) as WorkerStatus;

describe('/healthz, /readyz and /status', () => {
  it('is not ready while registering, ready once registered, not ready while draining', async () => {
    let release: (result: ExecutionResult) => void = () => undefined;
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const h = (harness = await startHarness({
      config: { drainGraceSeconds: 600 },
      effects: {
        // Holds the task until the test releases it, so draining lasts.
        execute: () =>
          new Promise<ExecutionResult>((resolve) => {
            release = resolve;
            markStarted();
          }),
      },
    }));
    const cp = h.controlPlane.controlPlane;
    cp.faults.set('register', { errorRate: 1, errorStatus: 503 });
    h.worker.start();

    await eventually(() => h.worker.actor.getSnapshot().value === 'registering', 'registering');
    expect(await h.get('/healthz')).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    const registering = await h.get('/readyz');
    expect(registering.status).toBe(503);
    expect(JSON.parse(registering.text)).toEqual({ status: 'not ready', state: 'registering' });
    expect((await status(h)).ready).toBe(false);

    cp.faults.clear();
    await eventually(async () => (await h.get('/readyz')).status === 200, 'ready after registering');
    expect(JSON.parse((await h.get('/readyz')).text)).toEqual({ status: 'ready', state: 'idle' });

    cp.submitJob({ job_id: 'job-slow', tasks: [{ task_id: 'slow', type: 'embedding', inputs: { text: 'x' } }] });
    await started;
    await eventually(async () => (await status(h)).in_flight.length === 1, 'task in flight');
    const busy = await status(h);
    expect(busy).toMatchObject({ worker_id: 'ops-worker', version: '9.9.9-test', state: 'busy', ready: true, health: 'healthy', slots: { max: 2, free: 1 }, registrations: 1, sandbox_level: 'none' });
    expect(busy.in_flight[0]).toMatchObject({ job_id: 'job-slow', task_id: 'slow', type: 'embedding', attempt: 1 });
    expect(Number.isNaN(Date.parse(busy.in_flight[0]!.started))).toBe(false);
    await eventually(async () => (await status(h)).last_heartbeat !== null, 'a heartbeat');

    h.worker.shutdown('test');
    await eventually(async () => (await status(h)).state.startsWith('draining'), 'draining');
    const draining = await h.get('/readyz');
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.text)).toEqual({ status: 'not ready', state: 'draining.waitingForTasks' });
    // What the heartbeats say while draining: the only health the gateway's scheduler leaves out.
    expect((await status(h)).health).toBe('unhealthy');
    expect(await h.get('/healthz')).toMatchObject({ status: 200 });

    release({ ok: true, uri: 'artifact://job-slow/slow/output.json', durationMillis: 5, executorMillis: 5 });
    await h.worker.done;
    const stopped = await status(h);
    expect(stopped).toMatchObject({ state: 'stopped', ready: false, completed: 1, failed: 0, in_flight: [] });
    expect((await h.get('/readyz')).status).toBe(503);
  });

  it('answers 404 as JSON for unknown paths', async () => {
    harness = await startHarness();
    harness.worker.start();
    expect(await harness.get('/nope')).toMatchObject({ status: 404, text: '{"error":"not found"}' });
  });
});
