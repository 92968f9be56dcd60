/**
 * Errors classified as the gateway means them. It answers a failure of its own
 * store or queue with the status of the endpoint's refusal: 400 on report, 404
 * on heartbeat and poll. Only `stale lease` and `task ... not found` make a
 * report final, and only `worker not registered` means register again.
 */
import { afterEach, expect, it } from 'vitest';
import { jobOf, registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

it('retries reports the gateway answered 400 for a store failure, and neither drops them nor runs a task twice', async () => {
  fleet = await startFleet({ workers: 1, slots: 2, taskMillis: 20 });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  cp.faults.set('report', { storeFailure: 'redis: connection refused', storeFailureRate: 0.5, times: 40 });
  const { job_id } = cp.submitJob(jobOf(10));
  expect((await cp.waitForJob(job_id, { timeoutMs: 30_000 })).status).toBe('Completed');
  expect(cp.faults.injected.storeFailure).toBeGreaterThan(0);
  for (const task of cp.tasks(job_id)) expect(task.reports.map((r) => `${r.status}#${r.attempt}`)).toEqual(['Running#1', 'Completed#1']);
  expect(new Set(fleet.started.get(workerId(0))).size).toBe(10);
});

it('keeps its registration through heartbeats and polls answered 404 for a store failure', async () => {
  // A short poll interval: a failed poll backs off from it.
  fleet = await startFleet({ workers: 1, slots: 2, taskMillis: 20, config: () => ({ pollMillis: 20 }), controlPlane: { heartbeatIntervalSeconds: 0.05 } });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  let registrations = 0;
  cp.subscribe((event) => {
    if (event.type === 'worker.registered') registrations++;
  });
  cp.faults.set(['heartbeat', 'assignments'], { storeFailure: 'pq: connection reset by peer', times: 5 });
  const { job_id } = cp.submitJob(jobOf(4));
  expect((await cp.waitForJob(job_id, { timeoutMs: 30_000 })).status).toBe('Completed');
  expect(cp.faults.injected.storeFailure).toBe(10);
  // A 404 that is not "worker not registered" is the gateway failing, not forgetting the worker.
  expect(registrations).toBe(0);
});

it('registers again on 404 worker not registered', async () => {
  fleet = await startFleet({ workers: 1, slots: 2, taskMillis: 20, controlPlane: { heartbeatIntervalSeconds: 0.05 } });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  cp.forgetWorkers();
  await new Promise<void>((resolve) => {
    const off = cp.subscribe((event) => {
      if (event.type === 'worker.registered') {
        off();
        resolve();
      }
    });
  });
  const { job_id } = cp.submitJob(jobOf(2));
  expect((await cp.waitForJob(job_id, { timeoutMs: 10_000 })).status).toBe('Completed');
});
