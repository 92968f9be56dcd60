/**
 * The control-plane client on a thread of its own: the same calls as
 * ControlPlaneClient, each forwarded to an I/O thread that runs the real client.
 *
 * Why: an HTTP call through ky and fetch costs the calling thread ~0.4-0.5 ms of
 * CPU (request objects, web streams, abort signals), about three per task, and
 * the main thread also runs the machines, the reporter and the pool. With the
 * calls on their own thread the main thread keeps ~1 ms per task instead of ~2,
 * so it is no longer what caps the worker's throughput, and its event loop
 * stays free for heartbeats (docs/performance.md).
 *
 * Not the library default: request interception in tests (MSW) works only on
 * the thread that set it up, so `createWorker` uses the in-thread client unless
 * asked; the daemon (`splai-worker run`) asks.
 */
import { Worker } from 'node:worker_threads';
import { entryFile } from '../base/entryFile.js';
import type { HeartbeatRequest, PollReply, RegisterRequest, RegisterResponse, ReportRequest } from '../protocol/schemas.js';
import type { Operation } from './classifyResponse.js';
import type { ControlPlaneApi, ControlPlaneClientOptions } from './controlPlaneClient.js';
import { ControlPlaneError } from '../base/ControlPlaneError.js';
import type { CallFailure, IoThreadData, IoThreadToMain, MainToIoThread } from './controlPlaneThreadProtocol.js';

type Call = MainToIoThread extends infer M ? (M extends { type: 'abort' } ? never : M extends MainToIoThread ? Omit<M, 'id'> : never) : never;

interface PendingCall {
  readonly operation: Operation;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class ControlPlaneThread implements ControlPlaneApi {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 0;
  private closed = false;
  private readonly around: NonNullable<ControlPlaneClientOptions['around']>;
  private readonly data: IoThreadData;

  constructor(options: ControlPlaneClientOptions) {
    this.data = { baseUrl: options.baseUrl, token: options.token ?? '', timeoutMillis: options.timeoutMillis };
    this.around = options.around ?? ((_operation, call) => call());
  }

  register(body: RegisterRequest, signal?: AbortSignal): Promise<RegisterResponse> {
    return this.call('register', { type: 'register', body }, signal) as Promise<RegisterResponse>;
  }

  async heartbeat(workerId: string, body: HeartbeatRequest, signal?: AbortSignal): Promise<void> {
    await this.call('heartbeat', { type: 'heartbeat', workerId, body }, signal);
  }

  poll(workerId: string, maxTasks: number, signal?: AbortSignal): Promise<PollReply> {
    return this.call('poll', { type: 'poll', workerId, maxTasks }, signal) as Promise<PollReply>;
  }

  async report(body: ReportRequest, signal?: AbortSignal): Promise<void> {
    await this.call('report', { type: 'report', body }, signal);
  }

  async healthz(signal?: AbortSignal): Promise<void> {
    await this.call('healthz', { type: 'healthz' }, signal);
  }

  /** Stop the thread; calls still pending fail as transient. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private call(operation: Operation, call: Call, signal: AbortSignal | undefined): Promise<unknown> {
    return this.around(operation, () => new Promise<unknown>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (this.closed) {
        reject(new ControlPlaneError('transient', operation, 'the control-plane client is closed'));
        return;
      }
      const worker = this.thread();
      const id = ++this.nextId;
      const onAbort = (): void => worker.postMessage({ type: 'abort', id } satisfies MainToIoThread);
      this.pending.set(id, { operation, resolve, reject, signal, onAbort });
      if (this.pending.size === 1) worker.ref();
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ ...call, id });
    }));
  }

  /** The I/O thread, started on first use and again if it died. */
  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(entryFile(import.meta.url, './controlPlaneThreadEntry'), { workerData: this.data });
    // Like a socket: it keeps the process alive only while a call is pending.
    worker.unref();
    worker.on('message', (message: IoThreadToMain) => this.settle(message));
    const failAll = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, call] of this.pending) this.settle({ id, failure: { kind: 'transient', operation: call.operation, message: why } });
    };
    worker.on('error', (error) => failAll(`the control-plane thread failed: ${error.message}`));
    worker.on('exit', () => failAll('the control-plane thread exited'));
    this.worker = worker;
    return worker;
  }

  private settle(message: IoThreadToMain): void {
    const call = this.pending.get(message.id);
    if (call === undefined) return;
    this.pending.delete(message.id);
    call.signal?.removeEventListener('abort', call.onAbort);
    if (this.pending.size === 0) this.worker?.unref();
    if (!('failure' in message)) call.resolve(message.result);
    // Aborted by the caller: it wants its own reason back, as from the in-thread client.
    else if (call.signal?.aborted) call.reject(call.signal.reason);
    else call.reject(errorOf(call.operation, message.failure));
  }
}

function errorOf(operation: Operation, failure: CallFailure): Error {
  return new ControlPlaneError(failure.kind ?? 'transient', failure.operation ?? operation, failure.message, failure.status);
}
