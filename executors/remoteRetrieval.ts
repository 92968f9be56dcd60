/**
 * The remote retrieval service: `POST {SPLAI_RETRIEVAL_BASE_URL}/v1/retrieve`
 * `{query, documents, filters, top_k}` with `Authorization: Bearer
 * SPLAI_RETRIEVAL_API_KEY` when set; its `.documents` are the hits.
 * SPLAI_RETRIEVAL_HTTP_RETRIES extra attempts, 250 ms x i apart (as the reference).
 */
import * as v from 'valibot';
import { postJson } from './http/postJson.js';
import { parseReply } from './http/parseReply.js';
import { requireBaseUrl } from './http/requireBaseUrl.js';
import { withRetries } from './http/withRetries.js';
import { backendTimeoutMillis } from './llm/types.js';
import type { ExecutorContext } from './types.js';

export interface RemoteRetrievalRequest {
  readonly query: string;
  readonly documents: readonly { id: string; text: string; metadata: Record<string, string> }[];
  readonly filters: Record<string, string>;
  readonly topK: number;
}

// A service that found nothing may answer `"documents": null`.
const Reply = v.object({ documents: v.nullish(v.array(v.unknown())) });

/** Ask the remote retrieval service (`SPLAI_RETRIEVAL_BASE_URL/v1/retrieve`); returns its `.documents`. */
export async function retrieveRemote(context: ExecutorContext, request: RemoteRetrievalRequest): Promise<unknown[]> {
  const base = requireBaseUrl(context.config.retrievalBaseUrl, 'SPLAI_RETRIEVAL_BASE_URL', 'remote_api');
  const key = context.config.retrievalApiKey;
  const reply = await withRetries({ retries: context.config.retrievalHttpRetries, signal: context.signal }, () =>
    postJson({
      label: 'retrieval remote_api',
      url: `${base}/v1/retrieve`,
      body: { query: request.query, documents: request.documents, filters: request.filters, top_k: request.topK },
      headers: key === '' ? {} : { Authorization: `Bearer ${key}` },
      signal: context.signal,
      timeoutMillis: backendTimeoutMillis(context),
    }),
  );
  return parseReply('retrieval remote_api', Reply, reply).documents ?? [];
}
