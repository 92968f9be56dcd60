import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `model_download`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "model_download" is not supported yet by this worker');
};
