/**
 * Job and task ids come from the network and become path segments. An id that
 * could leave the artifact root (or is simply absurd) is refused before any
 * path is built from it.
 */
import { TaskError } from '../base/TaskError.js';

export const MAX_ID_LENGTH = 200;

/** Why `id` cannot be a path segment, or undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return 'is a relative path';
  if (/[/\\]/.test(id)) return 'contains a path separator';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'contains a control character';
  return undefined;
}

/**
 * Job ids name directories right under the artifact root, beside the worker's
 * own: the sandboxes' work dirs, the default model cache and state dir. A job
 * must not be able to write its outputs into those.
 */
export const RESERVED_JOB_IDS: readonly string[] = ['sandboxes', 'models'];

/** Why `id` cannot be a job id (a first path segment under the root), or undefined. */
export function jobIdProblem(id: string): string | undefined {
  const problem = idProblem(id);
  if (problem !== undefined) return problem;
  if (RESERVED_JOB_IDS.includes(id) || id.startsWith('.')) return 'is reserved for the worker\'s own files';
  return undefined;
}

/** Throw a TaskError (so the task is reported Failed) when an id is unsafe. */
export function assertSafeId(kind: 'job id' | 'task id', id: string): void {
  const problem = kind === 'job id' ? jobIdProblem(id) : idProblem(id);
  if (problem !== undefined) throw new TaskError(`unsafe ${kind} ${JSON.stringify(id.slice(0, 80))}: ${problem}`);
}
