/**
 * Jobs as explicit task DAGs: building the records of a submission, with the
 * checks a hand-written DAG needs (duplicate ids, unknown dependencies, cycles).
 *
 * The real gateway plans a DAG from a job type; the development control plane
 * takes the DAG itself, which is what a test or a demo wants to control, and
 * then schedules it as AddJob does: the job is Running at once, every task is
 * Queued, and the tasks without dependencies are enqueued in plan order.
 */
import { GatewayError } from './GatewayError.js';
import type { PlannedTask } from './injection.js';
import { priorityRank } from './priority.js';
import type { JobRecord, TaskRecord } from './types.js';

/** What the job record needs besides its tasks. */
export interface JobHeader {
  readonly jobId: string;
  readonly seq: number;
  readonly tenant: string;
  readonly priority: string;
  readonly nowMs: number;
}

/** Go's encoding/json writes map keys sorted; the inputs are stored that way so assignments need no sort. */
function sortedInputs(inputs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(inputs).sort()) out[key] = inputs[key]!;
  return out;
}

/**
 * Builds a job's records. Throws GatewayError 400 on a duplicate task id, a
 * dependency on an unknown task, or a cycle.
 */
export function buildJob(header: JobHeader, planned: readonly PlannedTask[]): JobRecord {
  const tasks = new Map<string, TaskRecord>();
  const job: JobRecord = {
    jobId: header.jobId,
    seq: header.seq,
    tenant: header.tenant,
    priority: header.priority,
    status: 'Running',
    message: '',
    resultUri: '',
    error: '',
    tasks,
    completedTasks: 0,
    failedTasks: 0,
    readyQueued: new Set(),
    createdAtMs: header.nowMs,
    updatedAtMs: header.nowMs,
  };
  for (const t of planned) {
    if (tasks.has(t.taskId)) throw new GatewayError(400, `duplicate task id ${t.taskId}`);
    tasks.set(t.taskId, {
      job,
      jobId: header.jobId,
      taskId: t.taskId,
      type: t.type,
      inputs: sortedInputs(t.inputs),
      dependsOn: t.dependsOn,
      deps: [],
      dependents: [],
      maxRetries: t.maxRetries,
      timeoutSec: t.timeoutSec,
      rank: priorityRank(t.inputs['_priority']),
      createdAtMs: header.nowMs,
      status: 'Queued',
      attempt: 0,
      workerId: '',
      leaseId: '',
      leaseStartMs: 0,
      leaseExpiresMs: 0,
      outputUri: '',
      error: '',
      lastReportKey: '',
      reports: [],
      pendingDeps: t.dependsOn.length,
      queuedRefs: 0,
      updatedAtMs: header.nowMs,
      updateSeq: 0,
      claimTiePoller: undefined,
      claimTie: 0,
    });
  }
  for (const task of tasks.values()) {
    for (const dep of task.dependsOn) {
      const parent = tasks.get(dep);
      if (!parent) throw new GatewayError(400, `task ${task.taskId} depends on unknown task ${dep}`);
      (task.deps as TaskRecord[]).push(parent);
      parent.dependents.push(task);
    }
    if (task.pendingDeps === 0) job.readyQueued.add(task);
  }
  const cycle = findCycle(tasks);
  if (cycle) throw new GatewayError(400, `dependency cycle: ${cycle.join(' -> ')}`);
  return job;
}

/** A cycle as a list of task ids (first id repeated at the end), or undefined for a DAG. */
function findCycle(tasks: ReadonlyMap<string, TaskRecord>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of tasks.get(id)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of tasks.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}
