/** Messages between the main thread and the control-plane I/O thread (actors/controlPlaneThread.ts). */
import type { HeartbeatRequest, RegisterRequest, ReportRequest } from '../protocol/schemas.js';
import type { ControlPlaneErrorKind } from '../base/ControlPlaneError.js';

/** Given to the thread once. */
export interface IoThreadData {
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMillis: number;
}

export type MainToIoThread =
  | { readonly type: 'register'; readonly id: number; readonly body: RegisterRequest }
  | { readonly type: 'heartbeat'; readonly id: number; readonly workerId: string; readonly body: HeartbeatRequest }
  | { readonly type: 'poll'; readonly id: number; readonly workerId: string; readonly maxTasks: number }
  | { readonly type: 'report'; readonly id: number; readonly body: ReportRequest }
  | { readonly type: 'healthz'; readonly id: number }
  | { readonly type: 'abort'; readonly id: number };

/** A failed call: a ControlPlaneError's fields, or just a message for anything else. */
export interface CallFailure {
  readonly kind?: ControlPlaneErrorKind;
  readonly operation?: string;
  readonly message: string;
  readonly status?: number;
}

export type IoThreadToMain = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly failure: CallFailure };
