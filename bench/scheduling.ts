/**
 * Two measurements of how the worker fares under the gateway's scheduling
 * rules, with real waits (sandboxed `sleep` tasks: slots held, little CPU):
 *
 * - slot utilization: busy slot-seconds (a task holds its slot from its
 *   assignment to its final report) over slots x wall time, for tasks much
 *   longer than a poll, on a control plane with the gateway's 5 s heartbeat
 *   interval. A worker that the capacity rule (checked against the last
 *   heartbeat) keeps waiting shows here.
 * - fleet speedup: the same job on `fleetWorkers` workers against one worker
 *   of as many slots, each on a fresh control plane, and the share of the job
 *   each worker of the fleet ran. The gateway gives each task to its single
 *   best-scoring worker, so workers share only when each tells it promptly how
 *   loaded it is.
 */
import { startControlPlaneServer } from '../control-plane/httpServer.js';
import { sleepJob } from './jobs.js';
import type { BenchPlan } from './plan.js';
import { Agent } from './rpc.js';
import { slotUtilization, type FleetResult, type Run } from './summary.js';
import { Timeline } from './timeline.js';

const RUN_TIMEOUT = 300_000;

export interface SchedulingContext {
  readonly plan: BenchPlan;
  readonly artifactRoot: string;
  readonly logFile: (name: string) => string;
  readonly jobId: (kind: string) => string;
}

/** Start `count` worker agents of `slots` slots on `url`; resolves once all registered. */
async function startWorkers(context: SchedulingContext, timeline: Timeline, url: string, ids: readonly string[], slots: number): Promise<Agent[]> {
  const agents = ids.map((id) => Agent.start(context.logFile(id)));
  await Promise.all(
    agents.map((agent, i) =>
      agent.call('worker.start', { config: { controlPlaneUrl: url, workerId: ids[i], maxParallelTasks: slots, artifactRoot: context.artifactRoot }, controlPlaneThread: true }),
    ),
  );
  await Promise.all(ids.map((id) => timeline.registration(id)));
  return agents;
}

async function stopWorkers(agents: readonly Agent[]): Promise<void> {
  await Promise.all(agents.map(async (agent) => {
    await agent.call('worker.stop').catch(() => undefined);
    await agent.close();
  }));
}

/** Busy slot-seconds over slots x wall time for the plan's slot job. */
export async function measureSlotUtilization(context: SchedulingContext): Promise<number> {
  const { plan } = context;
  // The gateway's defaults: 5 s heartbeats, 15 s leases.
  const server = await startControlPlaneServer({});
  const timeline = new Timeline(server.controlPlane);
  const assigned = new Map<string, number>();
  const finished = new Map<string, number>();
  const unsubscribe = server.controlPlane.subscribe((event) => {
    if (event.type === 'task.assigned') assigned.set(event.assignment.task_id, performance.now());
    else if (event.type === 'report' && event.outcome === 'accepted' && event.report.status !== 'Running') finished.set(event.report.task_id ?? '', performance.now());
  });
  const agents = await startWorkers(context, timeline, server.url, ['slots-worker'], plan.slotSlots);
  try {
    await timeline.runJob(sleepJob(context.jobId('slots'), plan.slotTasks, plan.slotTaskSeconds), RUN_TIMEOUT);
    return slotUtilization([...finished].map(([task, end]) => ({ start: assigned.get(task) ?? end, end })), plan.slotSlots);
  } finally {
    unsubscribe();
    await stopWorkers(agents);
    timeline.close();
    await server.close();
  }
}

/** The plan's fleet job on one worker, then on the fleet, each on a fresh control plane. */
export async function measureFleet(context: SchedulingContext): Promise<FleetResult> {
  const { plan } = context;
  const onFleet = async (size: number, kind: string): Promise<{ run: Run; shares: number[] }> => {
    const server = await startControlPlaneServer({});
    const timeline = new Timeline(server.controlPlane);
    const ids = Array.from({ length: size }, (_, i) => `${kind}-${i}`);
    const agents = await startWorkers(context, timeline, server.url, ids, plan.fleetSlots);
    try {
      const job = sleepJob(context.jobId(kind), plan.fleetTasks, plan.fleetTaskSeconds);
      const run = await timeline.runJob(job, RUN_TIMEOUT);
      const ranBy = server.controlPlane.tasks(job.job_id).map((task) => task.reports.at(-1)?.worker_id ?? '');
      return { run, shares: ids.map((id) => ranBy.filter((w) => w === id).length / plan.fleetTasks) };
    } finally {
      await stopWorkers(agents);
      timeline.close();
      await server.close();
    }
  };
  const single = await onFleet(1, 'solo');
  const fleet = await onFleet(plan.fleetWorkers, 'fleet');
  return { single: single.run, fleet: fleet.run, shares: fleet.shares };
}
