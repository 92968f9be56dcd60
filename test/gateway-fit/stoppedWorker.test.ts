/**
 * A draining or stopped worker is never chosen. The gateway leaves out only
 * `unhealthy` workers and never forgets one: a worker that stopped while the
 * gateway still believed it healthy and idle would score best for its share of
 * new tasks, which would then wait for its poll for ever.
 */
import { afterEach, expect, it } from 'vitest';
import { jobOf, registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

/** Poll a condition every 5 ms; fail after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('announces unhealthy when its drain starts, and a stopped worker gets none of the tasks that come later', async () => {
  fleet = await startFleet({ workers: 2, slots: 2, taskMillis: 300, controlPlane: { heartbeatIntervalSeconds: 60 } });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  const { job_id: before } = cp.submitJob(jobOf(2, { jobId: 'before' }));
  await until(() => [0, 1].some((i) => fleet!.started.get(workerId(i))!.length > 0), 'a task to start');
  // Stop a worker that is running one of them.
  const stopping = fleet.started.get(workerId(0))!.length > 0 ? 0 : 1;
  const other = 1 - stopping;
  fleet.workers[stopping]!.shutdown('test');
  // The drain is announced at once, not at the next (60 s) heartbeat; the task in flight still finishes.
  await until(() => cp.worker(workerId(stopping))?.health === 'unhealthy', 'the drain to be announced');
  await fleet.workers[stopping]!.done;
  expect((await cp.waitForJob(before, { timeoutMs: 10_000 })).status).toBe('Completed');
  // Its last heartbeat said unhealthy: everything submitted now goes to the other worker.
  expect(cp.worker(workerId(stopping))?.health).toBe('unhealthy');
  const after = cp.submitJob(jobOf(8, { jobId: 'after' }));
  expect((await cp.waitForJob(after.job_id, { timeoutMs: 10_000 })).status).toBe('Completed');
  expect(fleet.started.get(workerId(stopping))!.filter((t) => t.startsWith('after/'))).toEqual([]);
  expect(fleet.started.get(workerId(other))!.filter((t) => t.startsWith('after/'))).toHaveLength(8);
});
