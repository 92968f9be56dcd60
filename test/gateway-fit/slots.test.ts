/**
 * Every slot stays in use under the gateway's capacity rule: the gateway allows
 * a worker cpu/4 tasks, counted against the running_tasks of its last
 * heartbeat. The control plane here hands out a 60 s heartbeat interval, so a
 * worker that waited for its periodic beat after the gateway heard "full"
 * would stall far beyond these tests' timeouts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobOf, registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

async function runTwelveOnFour(config: Record<string, number>) {
  fleet = await startFleet({ workers: 1, slots: 4, taskMillis: 150, config: () => config, controlPlane: { heartbeatIntervalSeconds: 60 } });
  await registered(fleet);
  const { job_id } = fleet.server.controlPlane.submitJob(jobOf(12));
  const job = await fleet.server.controlPlane.waitForJob(job_id, { timeoutMs: 15_000 });
  return { job, worker: fleet.server.controlPlane.worker(workerId(0))!, started: fleet.started.get(workerId(0))!, peak: fleet.peak.get(workerId(0)) };
}

describe('all slots used under the capacity rule', () => {
  it('by default registers a cpu whose capacity is one above the slots: the gateway never sees the worker full', async () => {
    const { job, worker, started, peak } = await runTwelveOnFour({});
    expect(job.status).toBe('Completed');
    expect(worker.capacity).toBe(5);
    expect(peak).toBe(4);
    expect(new Set(started).size).toBe(12);
  });

  it('with a capacity equal to the slots (SPLAI_WORKER_CPU=16) uses all four, and is never pre-empted', async () => {
    const { job, worker, started, peak } = await runTwelveOnFour({ workerCpu: 16 });
    expect(job.status).toBe('Completed');
    expect(worker.capacity).toBe(4);
    expect(peak).toBe(4);
    expect(new Set(started).size).toBe(12);
  });

  it('never polls while the gateway counts it full, so a higher-priority job never pre-empts a task it still runs', async () => {
    // Beats every 100 ms land while the slots are full; capacity = slots = 2.
    fleet = await startFleet({ workers: 1, slots: 2, taskMillis: 120, config: () => ({ workerCpu: 8 }), controlPlane: { heartbeatIntervalSeconds: 0.1 } });
    await registered(fleet);
    const cp = fleet.server.controlPlane;
    const preempted: string[] = [];
    cp.subscribe((event) => {
      if (event.type === 'task.requeued' && event.reason === 'preempted') preempted.push(`${event.jobId}/${event.taskId}`);
    });
    const batch = cp.submitJob(jobOf(10, { jobId: 'batch', priority: 'batch' }));
    // Interactive work keeps arriving while the batch job fills both slots.
    const interactive: string[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 90));
      interactive.push(cp.submitJob(jobOf(2, { jobId: `urgent-${i}`, priority: 'interactive' })).job_id);
    }
    for (const id of [batch.job_id, ...interactive]) expect((await cp.waitForJob(id, { timeoutMs: 15_000 })).status).toBe('Completed');
    expect(preempted).toEqual([]);
    const started = fleet.started.get(workerId(0))!;
    expect(started.every((s) => s.endsWith('#1'))).toBe(true);
    expect(new Set(started).size).toBe(20);
  });

  it('with a capacity below the slots (SPLAI_WORKER_CPU=8) still completes, taking what the gateway allows', async () => {
    const { job, worker, started } = await runTwelveOnFour({ workerCpu: 8 });
    expect(job.status).toBe('Completed');
    expect(worker.capacity).toBe(2);
    expect(new Set(started).size).toBe(12);
  });
});
