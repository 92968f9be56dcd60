/**
 * `retrieval`: rank documents given with the task against a query, locally
 * (hybrid vector + lexical score) or through a retrieval service. Inputs and
 * output fields as the reference worker (see docs/task-types.md).
 *
 * `backend` comes from `retrieval_backend`, `backend`, SPLAI_RETRIEVAL_BACKEND,
 * else `local`, lower-cased, and is written to the output as given (`remote`
 * stays `remote`); `remote`, `remote_api` and `remote-api` all use the service.
 */
import { goToLower } from './goCompat.js';
import { firstOf } from '../protocol/inputs.js';
import { rankLocally } from './localRetrieval.js';
import { positiveIntInput } from './positiveIntInput.js';
import { retrievalDocuments, retrievalFilters, type RetrievalDocument } from './retrievalInputs.js';
import { retrieveRemote, type RemoteRetrievalRequest } from './remoteRetrieval.js';
import { TaskError } from '../base/TaskError.js';
import type { Executor } from './types.js';

/** Hits returned when `top_k` is not set (or not positive). */
export const DEFAULT_TOP_K = 5;
/** More hits than any caller can use; bounds a typo like `top_k=5000000000`. */
export const MAX_TOP_K = 100_000;

const REMOTE_ALIASES = new Set(['remote', 'remote_api', 'remote-api']);

/** Run a `retrieval` task: its output fields are `backend`, `top_k`, `filters`, `documents`, `query`. */
export const execute: Executor = async (context) => {
  const { inputs } = context.assignment;
  const query = firstOf(inputs, 'query', 'text', 'prompt');
  const documents = retrievalDocuments(inputs);
  const topK = positiveIntInput(inputs, ['top_k'], DEFAULT_TOP_K, MAX_TOP_K);
  const backend = goToLower(firstOf(inputs, 'retrieval_backend', 'backend') || context.config.retrievalBackend.trim() || 'local');
  const filters = retrievalFilters(inputs);

  let hits: unknown[];
  if (backend === 'local') hits = rankLocally(query, documents, filters, topK);
  else if (REMOTE_ALIASES.has(backend)) hits = await retrieveRemote(context, { query, documents: asRemoteDocuments(documents), filters, topK });
  else throw new TaskError(`unsupported retrieval backend "${backend}"`);

  return { backend, top_k: topK, filters, documents: hits, query };
};

/**
 * The remote seam types metadata as strings, but the reference sends metadata
 * values as they came (numbers stay numbers), and so do we: the documents go out
 * unchanged. The cast only narrows the declared type.
 */
function asRemoteDocuments(documents: readonly RetrievalDocument[]): RemoteRetrievalRequest['documents'] {
  return documents as RemoteRetrievalRequest['documents'];
}
