/**
 * `model_download`: install a Hugging Face model into the model cache
 * (see docs/task-types.md and docs/backends.md for the guarantees).
 */
import { installModel } from './download/installModel.js';
import { boolInput, firstOf } from './inputs.js';
import { TaskError } from './TaskError.js';
import type { Executor } from './types.js';

export const execute: Executor = async (context) => {
  const inputs = context.assignment.inputs;
  const model = firstOf(inputs, 'model');
  if (model === '') throw new TaskError('model_download requires input.model');
  const source = (firstOf(inputs, 'source') || 'huggingface').toLowerCase();
  const onlyIfMissing = boolInput(inputs, 'only_if_missing', true);
  const result = await installModel(context, { model, source, onlyIfMissing });
  return {
    model,
    source,
    only_if_missing: onlyIfMissing,
    model_path: result.modelPath,
    model_installed_now: result.installedNow,
    result: 'ok',
  };
};
