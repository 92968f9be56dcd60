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

/** The executor of a task type, or undefined for an unknown type. */
export async function executorFor(type: string): Promise<Executor | undefined> {
  const load = Object.hasOwn(loaders, type) ? loaders[type] : undefined;
  return load === undefined ? undefined : load();
}
