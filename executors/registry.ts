/**
 * Task type -> executor. Executors are imported lazily so a thread only loads
 * the code (and the SDKs) of the task types it actually runs.
 */
import type { Executor } from './types.js';

type Loader = () => Promise<Executor>;

const loaders: Record<string, Loader> = {
  llm_inference: async () => (await import('./llmInference.js')).execute,
  model_download: async () => (await import('./modelDownload.js')).execute,
  tool_execution: async () => (await import('./toolExecution.js')).execute,
  embedding: async () => (await import('./embedding.js')).execute,
  retrieval: async () => (await import('./retrieval.js')).execute,
  aggregation: async () => (await import('./aggregation.js')).execute,
};

export const TASK_TYPES = Object.keys(loaders);

/**
 * The type as the lookup sees it: trimmed and lower-cased, as the reference
 * matches it (`Embedding ` is `embedding`). Anything that branches on a task's
 * type should compare this, not the raw value.
 */
export const canonicalTaskType = (type: string): string => type.trim().toLowerCase();

/** The executor of a task type (any case, surrounding blanks ignored), or undefined for an unknown type. */
export async function executorFor(type: string): Promise<Executor | undefined> {
  const key = canonicalTaskType(type);
  const load = Object.hasOwn(loaders, key) ? loaders[key] : undefined;
  return load === undefined ? undefined : load();
}
