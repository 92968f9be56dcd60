/**
 * Shared set-up of the control-plane tests: a control plane on a manual clock
 * and shorthands for polls and reports.
 */
import { ControlPlane, type ControlPlaneOptions } from '../../control-plane/ControlPlane.js';
import { ManualClock } from '../../control-plane/clock.js';
import type { ReportBody } from '../../control-plane/wire.js';
import type { Assignment } from '../../protocol/schemas.js';

export function setup(options: ControlPlaneOptions = {}): { cp: ControlPlane; clock: ManualClock } {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 0));
  return { cp: new ControlPlane({ clock, ...options }), clock };
}

/** The single assignment a poll must have returned. */
export function only(reply: { assignments: Assignment[] | null }): Assignment {
  if (reply.assignments?.length !== 1) throw new Error(`expected one assignment, got ${JSON.stringify(reply.assignments)}`);
  return reply.assignments[0]!;
}

/** Task ids of a poll's reply (null stays null). */
export function ids(reply: { assignments: Assignment[] | null }): string[] | null {
  return reply.assignments === null ? null : reply.assignments.map((a) => a.task_id);
}

/** A report for an assignment, as the reference worker would send it. */
export function reportFor(
  a: Assignment,
  workerId: string,
  status: 'Running' | 'Completed' | 'Failed',
  extra: Partial<ReportBody> = {},
): ReportBody {
  return {
    worker_id: workerId,
    job_id: a.job_id,
    task_id: a.task_id,
    lease_id: a.lease_id,
    idempotency_key: `${workerId}:${a.job_id}:${a.task_id}:${a.attempt}${status === 'Running' ? ':running' : ''}`,
    status,
    output_artifact_uri: status === 'Completed' ? `artifact://${a.job_id}/${a.task_id}/output.json` : '',
    error: status === 'Failed' ? 'boom' : '',
    duration_millis: 5,
    ...extra,
  };
}

/** `n` independent tasks `t0`... of a type. */
export function flat(n: number, type = 'aggregation', extra: Record<string, unknown> = {}) {
  return Array.from({ length: n }, (_, i) => ({ task_id: `t${i}`, type, ...extra }));
}
