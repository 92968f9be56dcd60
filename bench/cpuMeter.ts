/**
 * CPU time (user + system, all threads) spent per task by a process during a
 * run: a diagnostic that, unlike tasks per second, hardly moves when other
 * jobs load the machine, so it shows where a ratio is lost even on a busy host.
 */

/** `process.cpuUsage()` of some process, in microseconds. */
export interface CpuUsage {
  readonly user: number;
  readonly system: number;
}

/** Milliseconds of CPU per task between two readings. */
export function cpuMillisPerTask(before: CpuUsage, after: CpuUsage, tasks: number): number {
  if (tasks <= 0) return Number.NaN;
  return (after.user - before.user + after.system - before.system) / 1000 / tasks;
}

/**
 * Run `body` (which does `tasks` tasks) and add its CPU per task, for this
 * process and for the agent whose usage `agentUsage` reads, to the two lists.
 */
export async function metered<T extends { tasks: number }>(
  agentUsage: () => Promise<CpuUsage>,
  into: { agent: number[]; controlPlane: number[] },
  body: () => Promise<T>,
): Promise<T> {
  const [agentBefore, selfBefore] = [await agentUsage(), process.cpuUsage()];
  const run = await body();
  const [agentAfter, selfAfter] = [await agentUsage(), process.cpuUsage()];
  into.agent.push(cpuMillisPerTask(agentBefore, agentAfter, run.tasks));
  into.controlPlane.push(cpuMillisPerTask(selfBefore, selfAfter, run.tasks));
  return run;
}
