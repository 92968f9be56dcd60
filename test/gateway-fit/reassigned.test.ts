/**
 * A task the gateway hands out again while this worker still holds it. The
 * gateway re-queues a task when its lease runs out (here: the Running report
 * is held up past the lease), or when it pre-empts a full worker (which this
 * worker never is, see slots.test.ts). Given the task again with a later
 * attempt, the worker adopts that attempt rather than running the task twice.
 */
import { afterEach, expect, it } from 'vitest';
import { registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

it('re-assigned while its Running report is on the way: runs once, under the later attempt, and the job completes', async () => {
  fleet = await startFleet({ workers: 1, slots: 2, taskMillis: 100, config: () => ({ pollMillis: 100 }), controlPlane: { leaseMs: 500, heartbeatIntervalSeconds: 60 } });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  const requeued: string[] = [];
  cp.subscribe((event) => {
    if (event.type === 'task.requeued') requeued.push(`${event.taskId}:${event.reason}`);
  });
  // The first report (Running of attempt 1) reaches the gateway 1.5 s late, after the 0.5 s lease.
  cp.faults.set('report', { stallMs: 1500, times: 1 });
  const { job_id } = cp.submitJob({ tasks: [{ task_id: 't0', type: 'aggregation', inputs: {} }] });
  expect((await cp.waitForJob(job_id, { timeoutMs: 15_000 })).status).toBe('Completed');
  // Nothing extends a lease here before the Running report lands (the heartbeat interval is
  // 60 s): each attempt's lease runs out, and each time the task comes back to this worker.
  expect(requeued.length).toBeGreaterThanOrEqual(1);
  expect(new Set(requeued)).toEqual(new Set(['t0:lease_expired']));
  const last = cp.task(job_id, 't0').attempt;
  expect(last).toBe(requeued.length + 1);
  // Executed once, under the last attempt; the gateway accepted that attempt's Running and Completed only.
  expect(fleet.started.get(workerId(0))).toEqual([`${job_id}/t0#${last}`]);
  expect(cp.task(job_id, 't0').reports.map((r) => `${r.status}#${r.attempt}`)).toEqual([`Running#${last}`, `Completed#${last}`]);
});

it('pre-empted (a late heartbeat made the gateway count it full) and handed back while still running: runs once', async () => {
  // Capacity equal to the slots (2); the periodic heartbeat is far off.
  fleet = await startFleet({
    workers: 1,
    slots: 2,
    config: () => ({ workerCpu: 8, pollMillis: 50 }),
    controlPlane: { heartbeatIntervalSeconds: 60 },
    // The batch task runs long; the interactive one that pre-empts it is short.
    taskMillis: (a) => (a.job_id === 'batch' ? 1500 : 50),
  });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  const preempted: string[] = [];
  cp.subscribe((event) => {
    if (event.type === 'task.requeued' && event.reason === 'preempted') preempted.push(`${event.jobId}/${event.taskId}`);
  });
  const batch = cp.submitJob({ job_id: 'batch', priority: 'batch', tasks: [{ task_id: 'long', type: 'aggregation', inputs: {} }] });
  const id = workerId(0);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (cp.worker(id)?.running_tasks !== 1) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
  // A heartbeat saying "2 running" arrives late (the worker believes the gateway knows 1):
  // the gateway now counts the worker full, and the worker polls for its free slot.
  cp.heartbeat(id, { running_tasks: 2, health: 'healthy' });
  const urgent = cp.submitJob({ job_id: 'urgent', priority: 'interactive', tasks: [{ task_id: 'now', type: 'aggregation', inputs: {} }] });
  expect((await cp.waitForJob(urgent.job_id, { timeoutMs: 10_000 })).status).toBe('Completed');
  expect((await cp.waitForJob(batch.job_id, { timeoutMs: 10_000 })).status).toBe('Completed');
  // The gateway pre-empted the batch task for the interactive one, then handed it back to
  // this worker (attempt 2) while its first run was still going: adopted, not run again.
  expect(preempted).toEqual(['batch/long']);
  expect(cp.task('batch', 'long').attempt).toBe(2);
  expect(fleet.started.get(id)!.filter((t) => t.startsWith('batch/long'))).toHaveLength(1);
  expect(cp.task('batch', 'long').reports.map((r) => `${r.status}#${r.attempt}`)).toEqual(['Running#1', 'Running#2', 'Completed#2']);
}, 20_000);

