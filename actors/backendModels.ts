/**
 * The models each configured model server holds, asked over its own API:
 * - Ollama: `GET {SPLAI_OLLAMA_BASE_URL}/api/tags` -> `.models[].name`
 *   (`llama3:latest`; see ollamaNames for the extra untagged name);
 * - vLLM and llama.cpp: `GET {base}/v1/models` -> `.data[].id`;
 * - the remote API: `GET {SPLAI_REMOTE_API_BASE_URL}/v1/models` -> `.data[].id`,
 *   with `Authorization: Bearer {SPLAI_REMOTE_API_KEY}` when set.
 *
 * A query that fails throws a ModelQueryError whose message is safe to log: the
 * URL without credentials or query, the HTTP status but never the body, and never
 * the key.
 */
import * as v from 'valibot';
import type { WorkerConfig } from '../config/definitions.js';

/** The part of the configuration the model queries read. */
export type BackendModelsConfig = Pick<WorkerConfig, 'ollamaBaseUrl' | 'vllmBaseUrl' | 'llamacppBaseUrl' | 'remoteApiBaseUrl' | 'remoteApiKey'>;

/** One model server to ask. */
export interface ModelQuery {
  /** The backend's name as advertised: `ollama`, `vllm`, `llama.cpp`, `remote_api`. */
  readonly backend: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The model names in a reply; throws on a reply of another shape. */
  readonly parse: (reply: unknown) => string[];
}

/** A failed query; the message names the backend and is safe to log. */
export class ModelQueryError extends Error {
  override readonly name = 'ModelQueryError';
}

const OllamaTags = v.object({ models: v.nullish(v.array(v.object({ name: v.string() }))) });
const OpenAiModels = v.object({ data: v.nullish(v.array(v.object({ id: v.string() }))) });

/**
 * Ollama resolves a name without a tag to `:latest`: a task asking for `llama3`
 * runs on `llama3:latest`. The gateway matches model names exactly (ignoring
 * case), so both spellings are advertised. Other tags are not stripped: `llama3`
 * does not run `llama3:8b`.
 */
export function ollamaNames(name: string): string[] {
  const trimmed = name.trim();
  if (trimmed === '') return [];
  const untagged = /^(.+):latest$/i.exec(trimmed)?.[1];
  return untagged === undefined ? [trimmed] : [trimmed, untagged];
}

function parseWith<T>(schema: v.GenericSchema<unknown, T>, reply: unknown): T {
  const result = v.safeParse(schema, reply);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
  throw new Error(`unexpected reply${path === '' ? '' : ` at ${path}`}: ${issue?.message ?? 'invalid'}`);
}

const openAiIds = (reply: unknown): string[] => (parseWith(OpenAiModels, reply).data ?? []).map((model) => model.id.trim()).filter((id) => id !== '');

/** The queries for every backend whose base URL is configured. */
export function modelQueries(config: BackendModelsConfig): ModelQuery[] {
  const queries: ModelQuery[] = [];
  if (config.ollamaBaseUrl !== '') {
    queries.push({
      backend: 'ollama',
      url: `${config.ollamaBaseUrl}/api/tags`,
      headers: {},
      parse: (reply) => (parseWith(OllamaTags, reply).models ?? []).flatMap((model) => ollamaNames(model.name)),
    });
  }
  if (config.vllmBaseUrl !== '') queries.push({ backend: 'vllm', url: `${config.vllmBaseUrl}/v1/models`, headers: {}, parse: openAiIds });
  if (config.llamacppBaseUrl !== '') queries.push({ backend: 'llama.cpp', url: `${config.llamacppBaseUrl}/v1/models`, headers: {}, parse: openAiIds });
  if (config.remoteApiBaseUrl !== '') {
    const headers: Record<string, string> = config.remoteApiKey === '' ? {} : { Authorization: `Bearer ${config.remoteApiKey}` };
    queries.push({ backend: 'remote_api', url: `${config.remoteApiBaseUrl}/v1/models`, headers, parse: openAiIds });
  }
  return queries;
}

export interface QueryOptions {
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMillis: number;
  /** Aborting it rejects with its reason (not a ModelQueryError). */
  readonly signal?: AbortSignal | undefined;
  /** Values that must never appear in a message (the remote API key). */
  readonly secrets: readonly string[];
}

/**
 * Ask one server for its models.
 * @throws ModelQueryError when it does not answer in time, answers an HTTP error
 *   or a reply of another shape; the signal's reason when aborted.
 */
export async function queryModels(query: ModelQuery, options: QueryOptions): Promise<string[]> {
  const timeout = AbortSignal.timeout(options.timeoutMillis);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const label = `${query.backend} (${safeUrl(query.url)})`;
  const fail = (problem: string): never => {
    throw new ModelQueryError(redact(`${label}: ${problem}`, options.secrets));
  };
  let reply: unknown;
  try {
    const response = await options.fetch(query.url, { method: 'GET', headers: { Accept: 'application/json', ...query.headers }, signal });
    if (!response.ok) {
      // The body is not read: it is not needed, and a server may echo the request
      // in it. Not awaited: some bodies (a mocked stream) settle cancel only once consumed.
      response.body?.cancel().catch(() => undefined);
      fail(`HTTP ${response.status}`);
    }
    reply = await response.json();
  } catch (error) {
    if (error instanceof ModelQueryError) throw error;
    options.signal?.throwIfAborted();
    if (timeout.aborted) fail(`did not answer within ${options.timeoutMillis / 1000} s`);
    fail(describe(error));
  }
  try {
    return query.parse(reply);
  } catch (error) {
    return fail(describe(error));
  }
}

/** fetch hides the useful part (ECONNREFUSED ...) in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Scheme, host and path only: no user:password, no query string. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Replace secrets, and any `//user:password@` of a URL quoted by an error, by `[redacted]`. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/\/\/[^\s/@]+@/g, '//[redacted]@');
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
