/**
 * A task thread's side of the command host (sandbox/commandHost.ts): the same
 * call as `runSandboxed`, carried out by the host. One connection per thread
 * and host, opened on first use; it holds the thread's event loop open only
 * while a run is pending.
 */
import { connect, type Socket } from 'node:net';
import { jsonLine, JsonLineReader, type HostToThread } from './commandHostProtocol.js';
import type { SandboxResult, SandboxRunOptions } from './runSandboxed.js';

interface PendingRun {
  readonly resolve: (result: SandboxResult) => void;
  readonly reject: (error: Error) => void;
  readonly onSpawn: ((pid: number) => void) | undefined;
}

export class CommandHostClient {
  private readonly socket: Socket;
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 0;
  private closed = false;

  constructor(socketPath: string) {
    this.socket = connect(socketPath);
    this.socket.unref();
    const reader = new JsonLineReader<HostToThread>((message) => this.onMessage(message));
    this.socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch {
        // Not a line of ours: the stream is broken; 'close' fails the pending runs.
        this.socket.destroy();
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      clients.delete(socketPath);
      for (const run of this.pending.values()) run.reject(new Error('the sandbox command host exited'));
      this.pending.clear();
    });
  }

  /** Run `options.command` in the host; resolves like `runSandboxed`. */
  run(options: SandboxRunOptions): Promise<SandboxResult> {
    const { signal, onSpawn, command, workDir, support, limits, graceMillis } = options;
    signal.throwIfAborted();
    if (this.closed) return Promise.reject(new Error('the sandbox command host exited'));
    const id = ++this.nextId;
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      this.socket.write(jsonLine({ id, abort: reason instanceof Error ? reason.message : String(reason ?? 'aborted') }));
    };
    return new Promise<SandboxResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onSpawn });
      if (this.pending.size === 1) this.socket.ref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.socket.write(jsonLine({ id, run: { command, workDir, support, limits, ...(graceMillis === undefined ? {} : { graceMillis }) } }));
    }).finally(() => {
      signal.removeEventListener('abort', onAbort);
      if (this.pending.size === 0) this.socket.unref();
    });
  }

  private onMessage(message: HostToThread): void {
    const run = this.pending.get(message.id);
    if (run === undefined) return;
    if ('spawned' in message) {
      run.onSpawn?.(message.spawned);
      return;
    }
    this.pending.delete(message.id);
    if ('result' in message) run.resolve(message.result);
    else run.reject(new Error(message.error));
  }
}

const clients = new Map<string, CommandHostClient>();

/** This thread's client of the host listening at `socketPath`. */
export function commandHostClient(socketPath: string): CommandHostClient {
  let client = clients.get(socketPath);
  if (client === undefined) clients.set(socketPath, (client = new CommandHostClient(socketPath)));
  return client;
}
