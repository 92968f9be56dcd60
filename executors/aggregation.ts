import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `aggregation`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "aggregation" is not supported yet by this worker');
};
