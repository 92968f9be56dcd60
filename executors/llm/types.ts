import type { ExecutorContext } from '../types.js';

/** One completion request, already resolved from the task inputs. */
export interface LlmCall {
  readonly context: ExecutorContext;
  readonly prompt: string;
  /** The task's `model` input; '' when unset (each backend has its own default). */
  readonly model: string;
}

/** A model server: sends one prompt, returns the raw (untrimmed) answer text. */
export type LlmBackend = (call: LlmCall) => Promise<string>;

/** Milliseconds a backend call may take (SPLAI_BACKEND_TIMEOUT_SECONDS). */
export const backendTimeoutMillis = (context: ExecutorContext): number => Math.round(context.config.backendTimeoutSeconds * 1000);
