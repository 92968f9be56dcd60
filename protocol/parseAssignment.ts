import * as v from 'valibot';
import { AssignmentSchema, type Assignment } from './schemas.js';

/** What the worker can do with one raw item of an assignments reply. */
export type ParsedAssignment =
  | { kind: 'valid'; assignment: Assignment }
  /** Invalid, but job and task ids are readable: it must be reported `Failed`. */
  | { kind: 'reportable'; jobId: string; taskId: string; attempt: number; leaseId: string; error: string }
  /** Not even identifiable: it can only be logged and skipped. */
  | { kind: 'unidentifiable'; error: string };

/**
 * Validate one raw assignment. Never throws: a malformed item becomes a value the
 * supervisor can route, with a message that names the offending field.
 */
export function parseAssignment(raw: unknown): ParsedAssignment {
  const result = v.safeParse(AssignmentSchema, raw);
  if (result.success) return { kind: 'valid', assignment: result.output };
  const error = `malformed assignment: ${describeIssues(result.issues)}`;
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const jobId = readId(record['job_id']);
  const taskId = readId(record['task_id']);
  if (jobId === undefined || taskId === undefined) return { kind: 'unidentifiable', error };
  const attempt = typeof record['attempt'] === 'number' && Number.isInteger(record['attempt']) ? record['attempt'] : 0;
  const leaseId = typeof record['lease_id'] === 'string' ? record['lease_id'] : '';
  return { kind: 'reportable', jobId, taskId, attempt, leaseId, error };
}

function readId(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** One line naming each bad field, e.g. `inputs.text: expected string but received 3`. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`)
    .join('; ');
}
