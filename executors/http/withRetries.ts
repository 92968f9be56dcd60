/**
 * Extra attempts for backend calls whose reference behaviour retries
 * (embeddings, retrieval): attempt i+1 waits 250 ms x i after attempt i failed.
 * A cancelled task is never retried, and the wait itself stops on the signal.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Extra attempts after the first (SPLAI_*_HTTP_RETRIES). */
  readonly retries: number;
  readonly signal: AbortSignal;
  /** Step of the linear back-off; 250 ms as the reference. */
  readonly stepMillis?: number;
}

/** Run `attempt` until it resolves or `retries` extra attempts have failed; the last error is thrown. */
export async function withRetries<T>(options: RetryOptions, attempt: (index: number) => Promise<T>): Promise<T> {
  const step = options.stepMillis ?? 250;
  for (let index = 0; ; index += 1) {
    try {
      return await attempt(index);
    } catch (error) {
      if (options.signal.aborted || index >= options.retries) throw error;
    }
    // Rethrow the task's own reason, not the timer's AbortError.
    await sleep(step * (index + 1), undefined, { signal: options.signal }).catch(() => options.signal.throwIfAborted());
  }
}
