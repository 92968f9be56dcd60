/**
 * The pool of task threads (tinypool) as the main thread sees it.
 *
 * Cancelling a task is two-step, because a thread may hold a sandboxed child
 * process: first the thread is asked to abort (its executor kills the child and
 * returns); if it has not returned after `abortGraceMillis`, the thread itself
 * is terminated and every child it reported is killed by process group.
 */
import { nanoid } from 'nanoid';
import Tinypool from 'tinypool';
import type { WorkerConfig } from '../config/definitions.js';
import { canonicalTaskType } from '../executors/registry.js';
import { COMMAND_HOST_TYPES, type ThreadData, type ThreadRequest, type ThreadResult, type ThreadToMain } from '../executors/threadProtocol.js';
import type { Assignment } from '../protocol/schemas.js';
import { CommandHostProcess } from '../sandbox/commandHostProcess.js';
import { killProcessTree } from '../sandbox/killProcessTree.js';
import { entryFile } from '../base/entryFile.js';

export interface TaskPoolOptions {
  /** Receives logs that executors write in their threads. */
  readonly onLog?: (message: Extract<ThreadToMain, { type: 'log' }>) => void;
  /** How long an aborted task may take to return before its thread is terminated. */
  readonly abortGraceMillis?: number;
  /**
   * Launch sandboxed commands from the command host process instead of the
   * task threads (default true; see sandbox/commandHost.ts for why).
   */
  readonly commandHost?: boolean;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
}

export class TaskPool {
  private readonly pool: Tinypool;
  private readonly channel: BroadcastChannel;
  private readonly children = new Map<string, Set<number>>();
  /**
   * Tasks already finished and reaped. A thread terminated right after it
   * spawned a child may have its `child` message arrive after that; such a late
   * child is killed on arrival instead of being kept until destroy().
   */
  private readonly finished = new Set<string>();
  private sequence = 0;
  private readonly commandHost: CommandHostProcess | undefined;

  constructor(config: WorkerConfig, private readonly options: TaskPoolOptions = {}) {
    const channelName = `splai-worker-${process.pid}-${nanoid(8)}`;
    const data: ThreadData = { config, channelName };
    this.pool = new Tinypool({
      filename: entryFile(import.meta.url, '../executors/thread'),
      minThreads: config.maxParallelTasks,
      maxThreads: config.maxParallelTasks,
      workerData: data,
      // Threads live as long as the worker; recycling them would only cost start-ups.
      idleTimeout: 2 ** 31 - 1,
    });
    this.commandHost = options.commandHost === false ? undefined : new CommandHostProcess();
    this.channel = new BroadcastChannel(channelName);
    (this.channel as unknown as { unref?: () => void }).unref?.();
    this.channel.onmessage = (event: MessageEvent<ThreadToMain>) => this.onThreadMessage(event.data);
  }

  /** Number of threads (and so of tasks that can run at once). */
  get size(): number {
    return this.pool.options.maxThreads;
  }

  /** Run one assignment in a thread. Resolves with the thread's result; rejects only when aborted. */
  async run(assignment: Assignment, options: RunOptions = {}): Promise<ThreadResult> {
    const key = `${assignment.job_id}/${assignment.task_id}/${assignment.attempt}/${++this.sequence}`;
    const commandHost = await this.commandHostFor(assignment, key);
    const request: ThreadRequest = { key, assignment, ...(commandHost === undefined ? {} : { commandHost }) };
    const hard = new AbortController();
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const reason = options.signal?.reason instanceof Error ? options.signal.reason.message : 'aborted';
      this.channel.postMessage({ type: 'abort', key, reason });
      graceTimer = setTimeout(() => hard.abort(options.signal?.reason), this.options.abortGraceMillis ?? 2000);
    };
    if (options.signal?.aborted) throw options.signal.reason;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = (await this.pool.run(request, { signal: hard.signal })) as ThreadResult;
      if (options.signal?.aborted) throw options.signal.reason;
      return result;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      this.reapChildren(key);
    }
  }

  /** Tell every thread the worker is draining (executors can read it). */
  announceDraining(): void {
    this.channel.postMessage({ type: 'draining' });
  }

  async destroy(): Promise<void> {
    for (const key of [...this.children.keys()]) this.reapChildren(key);
    this.channel.close();
    await this.pool.destroy();
    // After the threads: their connections are closed, so nothing is left running in the host.
    await this.commandHost?.stop();
  }

  /** The command host's socket for a task that runs sandboxed commands; undefined: the thread launches them itself. */
  private async commandHostFor(assignment: Assignment, key: string): Promise<string | undefined> {
    if (this.commandHost === undefined || !COMMAND_HOST_TYPES.has(canonicalTaskType(assignment.type))) return undefined;
    try {
      return await this.commandHost.socketPath();
    } catch (error) {
      this.options.onLog?.({ type: 'log', key, level: 'warn', message: `${(error as Error).message}; the task thread launches the command itself` });
      return undefined;
    }
  }

  private onThreadMessage(message: ThreadToMain): void {
    if (message.type === 'log') this.options.onLog?.(message);
    else if (message.type === 'child') {
      if (this.finished.has(message.key)) {
        killProcessTree(message.pid);
        return;
      }
      let pids = this.children.get(message.key);
      if (pids === undefined) this.children.set(message.key, (pids = new Set()));
      pids.add(message.pid);
    } else if (message.type === 'child-exit') this.children.get(message.key)?.delete(message.pid);
  }

  /** Whatever a task started must not outlive it. */
  private reapChildren(key: string): void {
    const pids = this.children.get(key);
    this.children.delete(key);
    this.finished.add(key);
    // Late messages arrive within moments; forget the key after that.
    setTimeout(() => this.finished.delete(key), 60_000).unref();
    for (const pid of pids ?? []) killProcessTree(pid);
  }
}
