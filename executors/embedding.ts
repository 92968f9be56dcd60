import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `embedding`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "embedding" is not supported yet by this worker');
};
