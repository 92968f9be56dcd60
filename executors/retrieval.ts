import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `retrieval`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "retrieval" is not supported yet by this worker');
};
