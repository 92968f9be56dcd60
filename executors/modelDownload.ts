/**
 * `model_download`: install a Hugging Face model into the model cache
 * (see docs/task-types.md and docs/backends.md for the guarantees). The model is
 * any name the gateway sends: `llama3-8b-q4`, `gpt2` or `org/name`.
 */
import { installModel } from './download/installModel.js';
import { boolInput, firstOf } from '../protocol/inputs.js';
import { TaskError } from '../base/TaskError.js';
import type { Executor } from './types.js';

/** Run a `model_download` task: output `model`, `source`, `only_if_missing`, `model_path`, `model_installed_now`, `result`. */
export const execute: Executor = async (context) => {
  const inputs = context.assignment.inputs;
  const model = firstOf(inputs, 'model');
  if (model === '') throw new TaskError('model_download requires input.model');
  // Written back as given (trimmed), as the reference does; the check ignores case.
  const source = firstOf(inputs, 'source') || 'huggingface';
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
