/**
 * The task itself failed (bad inputs, backend said no, command exited non-zero).
 * Its message becomes the one-line `error` of the `Failed` report, so keep it to
 * one line and say what was wrong.
 */
export class TaskError extends Error {
  override readonly name = 'TaskError';
}

export const isTaskError = (error: unknown): error is TaskError => error instanceof Error && error.name === 'TaskError';

/**
 * One line, at most `max` characters: what a `Failed` report carries. The default
 * leaves room for a backend's status line plus the 4 KiB of its error body that the
 * reference worker passes on.
 */
export function oneLine(message: string, max = 4600): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
