/** Input helpers shared by executors, matching the reference worker's lookups. */
import { TaskError } from '../base/TaskError.js';

export type Inputs = Readonly<Record<string, string>>;

/** First non-empty (trimmed) value among `keys`, or '' when none. */
export function firstOf(inputs: Inputs, ...keys: string[]): string {
  for (const key of keys) {
    const value = inputs[key]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return '';
}

/** Parse a `*_json` input; a malformed value is a TaskError naming the input. */
export function jsonInput(inputs: Inputs, key: string): unknown {
  const raw = inputs[key]?.trim();
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new TaskError(`input ${key} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A boolean input: true/false/1/0/yes/no (and Go's ParseBool t/f), else the default. */
export function boolInput(inputs: Inputs, key: string, fallback: boolean): boolean {
  const raw = inputs[key]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 't', 'true', 'yes', 'y', 'on'].includes(raw)) return true;
  if (['0', 'f', 'false', 'no', 'n', 'off'].includes(raw)) return false;
  return fallback;
}

/** Dependency inputs `dep:<task>:output_uri`, sorted by task id. */
export function dependencyUris(inputs: Inputs): { taskId: string; uri: string }[] {
  const deps: { taskId: string; uri: string }[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    const match = /^dep:(.+):output_uri$/.exec(key);
    if (match?.[1] !== undefined && value.trim() !== '') deps.push({ taskId: match[1], uri: value.trim() });
  }
  return deps.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
}
