/**
 * The main thread's handle on the command host (sandbox/commandHost.ts):
 * started on first use, restarted on the next use if it died, stopped with
 * the task pool.
 *
 * The host is started with:
 * - `setpriv --pdeathsig KILL` when available: if the worker dies, the kernel
 *   kills the host, and the host's death kills its commands (their own
 *   parent-death signal);
 * - its own session (`detached`): a Ctrl-C in the worker's terminal must not
 *   kill the commands of tasks the worker is draining;
 * - an environment of PATH and TMPDIR only: it needs no secret, and commands get
 *   an explicit environment anyway (sandbox/systemView.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryFile } from '../base/entryFile.js';
import { findSandboxTools } from './tools.js';

/** How long a started host may take to listen. */
const START_TIMEOUT_MILLIS = 10_000;
/** How long a stopping host may take to reap its commands before it is killed. */
const STOP_TIMEOUT_MILLIS = 6_000;

interface RunningHost {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly socketPath: string;
  readonly exited: Promise<void>;
}

export class CommandHostProcess {
  private starting: Promise<RunningHost> | undefined;
  private stopped = false;

  /** The socket of a live host, starting one if there is none. */
  async socketPath(): Promise<string> {
    if (this.stopped) throw new Error('the sandbox command host is stopped');
    this.starting ??= this.start();
    const current = this.starting;
    try {
      return (await current).socketPath;
    } catch (error) {
      // A failed start is not cached: the next task tries again.
      if (this.starting === current) this.starting = undefined;
      throw error;
    }
  }

  /** The host's pid, when one is running (for tests and diagnostics). */
  async pid(): Promise<number | undefined> {
    return (await this.starting?.catch(() => undefined))?.child.pid;
  }

  /** Stop the host: it aborts its runs, reaps them and exits (killed after a timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    const host = await this.starting?.catch(() => undefined);
    if (host === undefined) return;
    if (host.child.connected) host.child.disconnect();
    const timer = setTimeout(() => host.child.kill('SIGKILL'), STOP_TIMEOUT_MILLIS);
    await host.exited;
    clearTimeout(timer);
  }

  private async start(): Promise<RunningHost> {
    let dir: string;
    try {
      dir = mkdtempSync(join(tmpdir(), 'splai-command-host-'));
    } catch (error) {
      throw new Error(`could not start the sandbox command host: ${(error as Error).message}`);
    }
    const socketPath = join(dir, 'host.sock');
    const setpriv = findSandboxTools(process.env['PATH'] ?? '').setpriv;
    const argv = [process.execPath, entryFile(import.meta.url, './commandHost'), socketPath];
    const [program, ...args] = setpriv === undefined ? argv : [setpriv, '--pdeathsig', 'KILL', '--', ...argv];
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
    if (process.env['TMPDIR'] !== undefined) env['TMPDIR'] = process.env['TMPDIR'];
    const child = spawn(program!, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env, detached: true });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Gone: the next caller starts a new one; the directory goes with it.
    void exited.then(async () => {
      rmSync(dir, { recursive: true, force: true });
      const current = this.starting;
      const host = await current?.catch(() => undefined);
      if (host?.child === child && this.starting === current) this.starting = undefined;
    });
    // The worker's exit must not wait for the host: the host sees the channel close and exits by itself.
    child.unref();
    child.channel?.unref();
    const started = new Promise<RunningHost>((resolve, reject) => {
      const fail = (why: string): void => {
        child.kill('SIGKILL');
        reject(new Error(`could not start the sandbox command host: ${why}`));
      };
      const timer = setTimeout(() => fail(`not listening after ${START_TIMEOUT_MILLIS} ms`), START_TIMEOUT_MILLIS);
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(error.message);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`could not start the sandbox command host: it exited with ${code ?? signal}`));
      });
      child.once('message', () => {
        clearTimeout(timer);
        resolve({ child, dir, socketPath, exited });
      });
    });
    return await started;
  }
}
