/**
 * `embedding`: one vector per text, with the reference worker's inputs, checks
 * and output fields (see docs/task-types.md).
 *
 * Decisions where the reference leaves room:
 * - `backend` in the output is the lower-cased name as given (`remote` stays
 *   `remote`), exactly as the reference writes it; the aliases `remote` and
 *   `remote-api` only select the `remote_api` implementation.
 * - `model_version` is `local-hash-v1` for `local`, else the model name asked
 *   for. (The reference prefers the model name the server echoes back; the
 *   remote seam returns vectors only, and the requested name is what callers
 *   can reproduce.)
 * - `dimension` is the length of the vectors returned. The input dimension
 *   only sizes `local` vectors; a server decides its own. Vectors of different
 *   lengths in one answer fail the task: they cannot share one `dimension`.
 */
import { goToLower } from './goCompat.js';
import { firstOf, jsonInput, type Inputs } from '../protocol/inputs.js';
import { jsonKind } from './jsonKind.js';
import { LOCAL_HASH_MODEL_VERSION, localHashEmbedding } from './localHash.js';
import { positiveIntInput } from './positiveIntInput.js';
import { embedRemote } from './remoteEmbedding.js';
import { TaskError } from '../base/TaskError.js';
import type { Executor, ExecutorContext } from './types.js';

/** Largest `local` dimension a task may ask for (the SPLAI_EMBEDDING_DIMENSION bound). */
export const MAX_EMBEDDING_DIMENSION = 65_536;

const REMOTE_BACKENDS: Readonly<Record<string, string>> = {
  ollama: 'ollama',
  vllm: 'vllm',
  remote: 'remote_api',
  remote_api: 'remote_api',
  'remote-api': 'remote_api',
};

/** Run an `embedding` task: its output fields are `backend`, `model`, `model_version`, `dimension`, `text_count`, `vectors` (+ `vector`). */
export const execute: Executor = async (context) => {
  const { inputs } = context.assignment;
  const texts = embeddingTexts(inputs);
  if (texts.length === 0) throw new TaskError('embedding requires non-empty text/prompt');
  const backend = goToLower(firstOf(inputs, 'embedding_backend', 'backend') || context.config.embeddingBackend.trim() || 'local');
  const model = firstOf(inputs, 'embedding_model', 'model') || context.config.embeddingModel.trim() || 'nomic-embed-text';
  const dimension = positiveIntInput(inputs, ['embedding_dimension', 'dimension'], context.config.embeddingDimension, MAX_EMBEDDING_DIMENSION);

  const { vectors, modelVersion } = await embed(context, backend, model, texts, dimension);
  checkVectors(vectors, texts.length);
  const first = vectors[0] ?? [];
  return {
    backend,
    model,
    model_version: modelVersion,
    dimension: first.length,
    text_count: texts.length,
    vectors,
    ...(vectors.length === 1 ? { vector: first } : {}),
  };
};

/**
 * `texts_json` when given (even if every entry is blank: it does not fall back
 * to `text`), else one of `text`, `prompt`, `op`. Texts are trimmed, blanks
 * dropped; `null` entries count as blank, as Go decodes them to "".
 */
function embeddingTexts(inputs: Inputs): string[] {
  const parsed = jsonInput(inputs, 'texts_json');
  if (parsed === undefined) {
    const text = firstOf(inputs, 'text', 'prompt', 'op');
    return text === '' ? [] : [text];
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw new TaskError(`input texts_json must be a JSON array of strings, got ${jsonKind(parsed)}`);
  const texts: string[] = [];
  parsed.forEach((item: unknown, index) => {
    if (item === null) return;
    if (typeof item !== 'string') throw new TaskError(`input texts_json: item ${index + 1} must be a string, got ${jsonKind(item)}`);
    if (item.trim() !== '') texts.push(item.trim());
  });
  return texts;
}

async function embed(
  context: ExecutorContext,
  backend: string,
  model: string,
  texts: readonly string[],
  dimension: number,
): Promise<{ vectors: number[][]; modelVersion: string }> {
  if (backend === 'local') {
    const vectors = texts.map((text) => {
      context.signal.throwIfAborted();
      return localHashEmbedding(text, dimension);
    });
    return { vectors, modelVersion: LOCAL_HASH_MODEL_VERSION };
  }
  const remote = Object.hasOwn(REMOTE_BACKENDS, backend) ? REMOTE_BACKENDS[backend] : undefined;
  if (remote === undefined) throw new TaskError(`unsupported embedding backend "${backend}"`);
  const vectors = await embedRemote(context, { backend: remote, model, texts });
  return { vectors, modelVersion: model };
}

/** What the reference refuses (count, empty, NaN/Inf), plus mixed lengths. */
function checkVectors(vectors: readonly unknown[], textCount: number): asserts vectors is number[][] {
  if (!Array.isArray(vectors) || vectors.length !== textCount) {
    throw new TaskError(`embeddings count mismatch: got ${Array.isArray(vectors) ? vectors.length : 0} want ${textCount}`);
  }
  let length: number | undefined;
  vectors.forEach((vector, i) => {
    if (!Array.isArray(vector) || vector.length === 0) throw new TaskError(`embedding backend returned empty vector at index ${i}`);
    const bad = vector.findIndex((x: unknown) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad !== -1) throw new TaskError(`invalid vector at index ${i}: vector contains invalid float at index ${bad}`);
    length ??= vector.length;
    if (vector.length !== length) {
      throw new TaskError(`embedding backend returned vectors of different lengths: ${length} at index 0, ${vector.length} at index ${i}`);
    }
  });
}
