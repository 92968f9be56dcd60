import { TaskError } from './TaskError.js';
import type { ExecutorContext } from './types.js';

export interface RemoteRetrievalRequest {
  readonly query: string;
  readonly documents: readonly { id: string; text: string; metadata: Record<string, string> }[];
  readonly filters: Record<string, string>;
  readonly topK: number;
}

/** Ask the remote retrieval service (`SPLAI_RETRIEVAL_BASE_URL/v1/retrieve`); returns its `.documents`. */
export async function retrieveRemote(_context: ExecutorContext, _request: RemoteRetrievalRequest): Promise<unknown[]> {
  throw new TaskError('retrieval backend "remote_api" is not supported yet by this worker');
}
