/**
 * The one HTTP call every model backend makes: POST a JSON body, get a JSON reply.
 * Global fetch (fastest on loopback, see platform-notes) with the task's signal
 * combined with the backend timeout, so a cancelled task stops its request and a
 * hung backend cannot hold a task slot forever. Retries live one layer up
 * (withRetries), never here, so each caller decides what is worth repeating.
 */
import { TaskError } from '../../base/TaskError.js';
import { readCapped } from './readCapped.js';

/** Backend error bodies are quoted in the failure, at most this many bytes (as the reference). */
export const ERROR_BODY_LIMIT = 4096;

export interface PostJsonRequest {
  /** Shown in errors, e.g. `ollama`. */
  readonly label: string;
  readonly url: string;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The task's signal: aborting it aborts the request with the signal's reason. */
  readonly signal: AbortSignal;
  readonly timeoutMillis: number;
}

/**
 * POST `body` as JSON and parse the JSON reply.
 * @throws TaskError on an HTTP error (`<label> returned HTTP 500: <body>`), a timeout,
 *   a network failure or a reply that is not JSON; the task signal's reason when aborted.
 * @example
 * const reply = await postJson({ label: 'ollama', url: `${base}/api/generate`, body, signal, timeoutMillis: 300_000 });
 */
export async function postJson(request: PostJsonRequest): Promise<unknown> {
  const timeout = AbortSignal.timeout(request.timeoutMillis);
  const signal = AbortSignal.any([request.signal, timeout]);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...request.headers },
      body: JSON.stringify(request.body),
      signal,
    });
    if (!response.ok) {
      const body = (await readCapped(response, ERROR_BODY_LIMIT)).replace(/\s+/g, ' ').trim();
      throw new TaskError(`${request.label} returned HTTP ${response.status}${body === '' ? '' : `: ${body}`}`);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TaskError(`${request.label} returned a reply that is not JSON: ${text.slice(0, 200).replace(/\s+/g, ' ')}`);
    }
  } catch (error) {
    // The task was cancelled: report the cancellation, not a backend failure.
    if (request.signal.aborted) throw request.signal.reason;
    if (timeout.aborted) throw new TaskError(`${request.label} did not answer within ${request.timeoutMillis / 1000} s (SPLAI_BACKEND_TIMEOUT_SECONDS)`);
    if (error instanceof TaskError) throw error;
    throw new TaskError(`${request.label} request to ${request.url} failed: ${describeNetworkError(error)}`);
  }
}

/** fetch hides the useful part (ECONNREFUSED ...) in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
