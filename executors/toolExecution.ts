import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

/** `tool_execution`: see docs/task-types.md. */
export const execute: Executor = async () => {
  throw new TaskError('task type "tool_execution" is not supported yet by this worker');
};
