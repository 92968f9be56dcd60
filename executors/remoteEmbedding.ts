import { TaskError } from './TaskError.js';
import type { ExecutorContext } from './types.js';

export interface RemoteEmbeddingRequest {
  /** `ollama`, `vllm` or `remote_api` (aliases already normalised by the caller). */
  readonly backend: string;
  readonly model: string;
  readonly texts: readonly string[];
}

/**
 * Embed texts with a model server. Returns one vector per text, in order.
 * The caller (executors/embedding.ts) checks counts, NaN/Inf and empty vectors.
 */
export async function embedRemote(_context: ExecutorContext, request: RemoteEmbeddingRequest): Promise<number[][]> {
  throw new TaskError(`embedding backend "${request.backend}" is not supported yet by this worker`);
}
