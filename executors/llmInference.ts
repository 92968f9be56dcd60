/**
 * `llm_inference`: send the prompt to the chosen model server and return its
 * answer, trimmed (see docs/task-types.md and docs/backends.md). With
 * `_install_model_if_missing=true` the model is installed into the cache first,
 * exactly as `model_download` with `only_if_missing=true` would.
 */
import { installModel } from './download/installModel.js';
import { firstOf, boolInput } from '../protocol/inputs.js';
import { llmBackend } from './llm/backends.js';
import { TaskError } from '../base/TaskError.js';
import type { Executor, ExecutorOutput } from './types.js';

export const execute: Executor = async (context) => {
  const inputs = context.assignment.inputs;
  const prompt = firstOf(inputs, 'prompt', 'text', 'op');
  const model = firstOf(inputs, 'model');
  const backendName = (firstOf(inputs, 'backend') || 'ollama').toLowerCase();
  const backend = llmBackend(backendName);
  if (backend === undefined) throw new TaskError(`unsupported llm backend "${backendName}"`);

  let installed: ExecutorOutput = {};
  if (boolInput(inputs, '_install_model_if_missing', false) && model !== '') {
    const source = firstOf(inputs, 'model_source') || 'huggingface';
    const result = await installModel(context, { model, source, onlyIfMissing: true });
    installed = { model, model_path: result.modelPath, model_installed_now: result.installedNow };
  }

  const text = (await backend({ context, prompt, model })).trim();
  if (text === '') throw new TaskError(`llm backend ${backendName} returned an empty answer`);
  return { backend: backendName, text, ...installed };
};
