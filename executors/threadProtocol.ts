/**
 * Messages between the main thread and the task threads. Task requests and
 * results go through tinypool; the side channel (a BroadcastChannel named per
 * pool) carries what does not fit a request/response: abort and draining notices
 * to the threads, logs and child-process ids back to the main thread.
 */
import type { WorkerConfig } from '../config/definitions.js';
import type { Assignment } from '../protocol/schemas.js';

/** Given to every thread once, as tinypool workerData. */
export interface ThreadData {
  readonly config: WorkerConfig;
  readonly channelName: string;
}

/** One task for a thread. `key` identifies it on the side channel. */
export interface ThreadRequest {
  readonly key: string;
  readonly assignment: Assignment;
  /** The command host's socket, for task types that run sandboxed commands (sandbox/commandHost.ts). */
  readonly commandHost?: string;
}

/** Task types whose commands are launched by the command host rather than from the thread. */
export const COMMAND_HOST_TYPES: ReadonlySet<string> = new Set(['tool_execution']);

export type ThreadResult =
  | {
      readonly ok: true;
      readonly uri: string;
      readonly executorMillis: number;
      /** Set when the task installed a model into the cache (the inventory changed). */
      readonly modelInstalled?: string;
    }
  | { readonly ok: false; readonly error: string; readonly executorMillis: number };

export type MainToThread =
  | { readonly type: 'abort'; readonly key: string; readonly reason: string }
  | { readonly type: 'draining' };

export type ThreadToMain =
  | { readonly type: 'log'; readonly key: string; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'child'; readonly key: string; readonly pid: number }
  | { readonly type: 'child-exit'; readonly key: string; readonly pid: number };
