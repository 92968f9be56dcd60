/**
 * Run a download CLI (hf, huggingface-cli, git) as a child of this task: its own
 * process group (so abort kills grandchildren too), registered with the main
 * thread through trackChild, killed when the task's signal aborts. Secrets go to
 * the child only through `env`, never on the command line or into logs.
 */
import { spawn } from 'node:child_process';
import { killProcessTree } from '../../sandbox/killProcessTree.js';
import { TaskError } from '../../base/TaskError.js';
import type { ExecutorContext } from '../types.js';

/** The command is not installed on this host: the caller tries the next way. */
export class CommandNotFoundError extends Error {
  override readonly name = 'CommandNotFoundError';
}

const STDERR_TAIL = 2048;

export interface CommandRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** Resolve when the command exits 0; a TaskError with the end of its stderr otherwise. */
export function runCommand(context: ExecutorContext, request: CommandRequest): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    context.signal.throwIfAborted();
    const child = spawn(request.command, request.args, { env: request.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-STDERR_TAIL);
    });
    const onAbort = () => {
      if (child.pid !== undefined) killProcessTree(child.pid);
    };
    if (child.pid !== undefined) context.trackChild(child.pid);
    context.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      context.signal.removeEventListener('abort', onAbort);
      reject(error.code === 'ENOENT' ? new CommandNotFoundError(`${request.command} is not installed`) : error);
    });
    child.once('close', (code, signal) => {
      context.signal.removeEventListener('abort', onAbort);
      if (context.signal.aborted) reject(context.signal.reason);
      else if (code === 0) resolve();
      else {
        const last = tail.split(/\r|\n/).map((line) => line.trim()).filter((line) => line !== '').slice(-3).join(' | ');
        reject(new TaskError(`${request.command} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${last === '' ? '' : `: ${last}`}`));
      }
    });
  });
}
