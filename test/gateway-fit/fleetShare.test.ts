/**
 * A fleet shares one job's tasks. The gateway gives each task to its single
 * best-scoring worker (load from the last heartbeat, utilization), and a task
 * waits for that worker's poll; a fleet only shares when every worker tells the
 * gateway promptly how loaded it is.
 */
import { afterEach, expect, it } from 'vitest';
import { jobOf, registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

it('4 workers of 2 slots share one job: each runs at least 10% of its tasks, every task runs once', async () => {
  fleet = await startFleet({ workers: 4, slots: 2, taskMillis: 100 });
  await registered(fleet);
  const { job_id } = fleet.server.controlPlane.submitJob(jobOf(80));
  expect((await fleet.server.controlPlane.waitForJob(job_id, { timeoutMs: 30_000 })).status).toBe('Completed');
  const counts = [0, 1, 2, 3].map((i) => fleet!.started.get(workerId(i))!.length);
  for (const count of counts) expect(count, `tasks per worker: ${counts.join('/')}`).toBeGreaterThanOrEqual(8);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(80);
}, 40_000);
