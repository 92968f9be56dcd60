import * as v from 'valibot';
import { TaskError } from '../../base/TaskError.js';

/**
 * Validate a backend reply against the documented shape; a reply of another
 * shape is a task failure that says which backend and what was wrong.
 */
export function parseReply<T>(label: string, schema: v.GenericSchema<unknown, T>, reply: unknown): T {
  const result = v.safeParse(schema, reply);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
  throw new TaskError(`${label} returned an unexpected reply${path === '' ? '' : ` at ${path}`}: ${issue?.message ?? 'invalid'}`);
}
