/**
 * A tiny request/response protocol over the IPC channel of a forked child, so
 * the bench (parent, holding the control plane) can drive the client under
 * test in its own process, on its own event loop and core.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { moduleArgs, projectRoot } from './launch.js';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

type Reply = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: string };

export type Handlers = Record<string, (params: never) => Promise<unknown>>;

/** Child side: answer requests with `handlers` until the parent disconnects. */
export function serve(handlers: Handlers): void {
  process.on('message', (message: Request) => {
    const handler = handlers[message.method];
    const reply = (r: Reply) => process.send?.(r);
    if (handler === undefined) {
      reply({ id: message.id, error: `unknown method ${message.method}` });
      return;
    }
    handler(message.params as never).then(
      (result) => reply({ id: message.id, result: result ?? null }),
      (error: unknown) => reply({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Parent side: one bench agent process. */
export class Agent {
  private sequence = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exitError: Error | undefined;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiter.reject(new Error(`agent: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    child.on('exit', (code, signal) => {
      this.exitError = new Error(`bench agent exited (${code ?? signal})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exitError);
      this.pending.clear();
    });
  }

  /** Fork bench/agent with its stderr (the worker's log lines) going to `logFile`. */
  static start(logFile: string, env: NodeJS.ProcessEnv = process.env): Agent {
    const { file, execArgv } = moduleArgs('bench/agent');
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each agent (and its threads) for `--cpu-prof` analysis.
    const profileDir = process.env['BENCH_CPU_PROF'];
    if (profileDir !== undefined && profileDir !== '') execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
    const fd = openSync(logFile, 'a');
    try {
      const child = fork(file, [], { cwd: projectRoot, execArgv, env, stdio: ['ignore', fd, fd, 'ipc'] });
      return new Agent(child);
    } finally {
      closeSync(fd);
    }
  }

  call<T>(method: string, params: unknown = {}): Promise<T> {
    if (this.exitError !== undefined) return Promise.reject(this.exitError);
    const id = ++this.sequence;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, method, params } satisfies Request);
    });
  }

  /** Disconnect (the agent exits), and kill it if it has not after `graceMillis`. */
  async close(graceMillis = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMillis);
    await exited;
    clearTimeout(timer);
  }
}
