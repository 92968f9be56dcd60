/**
 * Embeddings from a model server, with the reference worker's endpoints and
 * retries (SPLAI_EMBEDDING_HTTP_RETRIES extra attempts per call, 250 ms x i apart):
 * - `ollama`: `POST /api/embed {model, input}` -> `.embeddings`; when that fails or
 *   returns another count, the older `POST /api/embeddings {model, prompt}` per text.
 * - `vllm`, `remote_api`: OpenAI-style `POST /v1/embeddings {model, input}` ->
 *   `.data[].embedding`, put back in input order by `index` (bearer key for remote_api).
 */
import * as v from 'valibot';
import { postJson } from './http/postJson.js';
import { parseReply } from './http/parseReply.js';
import { requireBaseUrl } from './http/requireBaseUrl.js';
import { withRetries } from './http/withRetries.js';
import { remoteApiHeaders } from './llm/remoteApi.js';
import { backendTimeoutMillis } from './llm/types.js';
import { TaskError } from '../base/TaskError.js';
import type { ExecutorContext } from './types.js';

export interface RemoteEmbeddingRequest {
  /** `ollama`, `vllm` or `remote_api` (aliases already normalised by the caller). */
  readonly backend: string;
  readonly model: string;
  readonly texts: readonly string[];
}

const Vector = v.array(v.number());
const OllamaEmbedReply = v.object({ embeddings: v.array(Vector) });
const OllamaEmbeddingReply = v.object({ embedding: Vector });
const OpenAiReply = v.object({ data: v.array(v.object({ embedding: Vector, index: v.optional(v.number()) })) });

/**
 * Embed texts with a model server. Returns one vector per text, in order.
 * The caller (executors/embedding.ts) checks counts, NaN/Inf and empty vectors.
 */
export async function embedRemote(context: ExecutorContext, request: RemoteEmbeddingRequest): Promise<number[][]> {
  switch (request.backend) {
    case 'ollama':
      return embedOllama(context, request);
    case 'vllm':
      return embedOpenAi(context, request, requireBaseUrl(context.config.vllmBaseUrl, 'SPLAI_VLLM_BASE_URL', 'vllm'), {});
    case 'remote_api':
      return embedOpenAi(
        context,
        request,
        requireBaseUrl(context.config.remoteApiBaseUrl, 'SPLAI_REMOTE_API_BASE_URL', 'remote_api'),
        remoteApiHeaders(context.config.remoteApiKey),
      );
    default:
      throw new TaskError(`unsupported embedding backend "${request.backend}"`);
  }
}

/** One embedding POST with the configured retries. */
function post(context: ExecutorContext, label: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  return withRetries({ retries: context.config.embeddingHttpRetries, signal: context.signal }, () =>
    postJson({ label, url, body, headers, signal: context.signal, timeoutMillis: backendTimeoutMillis(context) }),
  );
}

async function embedOllama(context: ExecutorContext, request: RemoteEmbeddingRequest): Promise<number[][]> {
  const base = requireBaseUrl(context.config.ollamaBaseUrl, 'SPLAI_OLLAMA_BASE_URL', 'ollama');
  try {
    const reply = await post(context, 'ollama', `${base}/api/embed`, { model: request.model, input: request.texts });
    const { embeddings } = parseReply('ollama', OllamaEmbedReply, reply);
    if (embeddings.length === request.texts.length) return embeddings;
    context.log('warn', `ollama /api/embed returned ${embeddings.length} vectors for ${request.texts.length} texts; trying /api/embeddings`);
  } catch (error) {
    context.signal.throwIfAborted();
    // Older Ollama servers (before 0.3) only have /api/embeddings.
    context.log('warn', `ollama /api/embed failed (${(error as Error).message}); trying /api/embeddings`);
  }
  const vectors: number[][] = [];
  for (const text of request.texts) {
    const reply = await post(context, 'ollama', `${base}/api/embeddings`, { model: request.model, prompt: text });
    vectors.push(parseReply('ollama', OllamaEmbeddingReply, reply).embedding);
  }
  return vectors;
}

async function embedOpenAi(context: ExecutorContext, request: RemoteEmbeddingRequest, base: string, headers: Record<string, string>): Promise<number[][]> {
  const reply = await post(context, request.backend, `${base}/v1/embeddings`, { model: request.model, input: request.texts }, headers);
  const { data } = parseReply(request.backend, OpenAiReply, reply);
  // The OpenAI API documents `index`; servers may answer out of order.
  const ordered = data.every((item) => item.index !== undefined) ? [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) : data;
  return ordered.map((item) => item.embedding);
}
