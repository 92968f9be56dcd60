import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `llm_inference`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "llm_inference" is not supported yet by this worker');
};
