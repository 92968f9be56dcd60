/**
 * `tool_execution` (docs/task-types.md): run `/bin/sh -c <command>` in the
 * sandbox (docs/sandbox.md) in a private working dir
 * `<artifact root>/sandboxes/<job>/<task>`, with no network, a reduced
 * environment and bounded resources.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertSafeId } from '../artifacts/ids.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import { resolveLimits, type SandboxLimits } from '../sandbox/limits.js';
import { runSandboxed, type SandboxResult } from '../sandbox/runSandboxed.js';
import { firstOf } from '../protocol/inputs.js';
import { oneLine, TaskError } from '../base/TaskError.js';
import type { Executor } from './types.js';

/** Where a task's private working dir lives. Ids are checked: they become path segments. */
export function sandboxWorkDir(artifactRoot: string, jobId: string, taskId: string): string {
  assertSafeId('job id', jobId);
  assertSafeId('task id', taskId);
  return join(resolve(artifactRoot), 'sandboxes', jobId, taskId);
}

export const execute: Executor = async ({ assignment, config, signal, log, trackChild, runSandboxed: run = runSandboxed }) => {
  const inputs = assignment.inputs;
  const tool = firstOf(inputs, 'op') || 'noop';
  const command = firstOf(inputs, 'command', 'script');
  if (command === '') return { tool, sandboxed: true, result: 'ok' };

  const support = detectSandboxLevel(config.sandbox);
  if (support.refusal !== undefined) throw new TaskError(`sandbox unavailable: ${support.refusal}`);
  const limits = resolveLimits(config, inputs);
  const workDir = sandboxWorkDir(config.artifactRoot, assignment.job_id, assignment.task_id);
  // A retried attempt starts from an empty dir, and nothing stays behind: it is scratch space.
  await makeEmptyDir(workDir);
  let result: SandboxResult;
  try {
    result = await run({ command, workDir, support, limits, signal, onSpawn: trackChild });
  } finally {
    // Best effort: a command can leave a tree the worker may not delete (chmod 000
    // as an unprivileged worker); that must not hide the command's own result.
    await rm(workDir, { recursive: true, force: true }).catch((error: unknown) => log('warn', `could not remove the sandbox work dir: ${(error as Error).message}`, { workDir }));
  }
  if (result.leftovers > 0) log('error', `sandbox left ${result.leftovers} processes running after SIGKILL`, { level: result.level });
  if (result.aborted) throw new TaskError(`sandbox command aborted: ${reasonOf(signal)}`);
  if (result.timedOut) throw new TaskError(`sandbox command timed out after ${limits.timeoutSeconds} s`);
  const failure = failureOf(result, limits);
  if (failure !== undefined) throw new TaskError(failure);
  return {
    tool,
    sandboxed: true,
    stdout: result.stdout,
    stderr: result.stderr,
    result: 'ok',
    [SANDBOX_DETAILS_KEY]: {
      level: result.level,
      exit_code: result.exitCode,
      duration_ms: result.durationMs,
      stdout_truncated: result.stdoutTruncated,
      stderr_truncated: result.stderrTruncated,
    },
  };
};

/**
 * Where the output keeps what this worker knows beyond the reference's fields
 * (isolation level, exit code, duration, truncation). An aggregation skips keys
 * starting with `_`, here and in the reference worker alike, so these details
 * add no highlights (`"bwrap"`) or conflicts (`duration_ms` always differs) to
 * an aggregation of tool outputs, whichever worker aggregates them.
 */
export const SANDBOX_DETAILS_KEY = '_sandbox';

/**
 * Create `dir` empty (0700), replacing whatever a crashed earlier attempt left
 * there. Tried as one mkdir first: the job's directory usually exists and the
 * task's does not, so the usual case costs one file-system call, not two.
 */
async function makeEmptyDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') await rm(dir, { recursive: true, force: true });
    else if (code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

/** The one-line failure of a finished command, or undefined when it succeeded. */
function failureOf(result: SandboxResult, limits: SandboxLimits): string | undefined {
  const failed = result.exitCode !== 0 || result.processLimitHit || result.memoryLimitHit || result.leftovers > 0;
  if (!failed) return undefined;
  const status = result.exitCode !== null ? `exit code ${result.exitCode}` : `killed by ${result.signal ?? 'a signal'}`;
  // Shells report a child killed by signal N as exit code 128+N.
  const sig = result.signal ?? (result.exitCode !== null && result.exitCode > 128 ? result.exitCode - 128 : undefined);
  const causes: string[] = [];
  if (result.memoryLimitHit) causes.push(`memory limit of ${limits.memoryMb} MB exceeded`);
  if (result.processLimitHit) causes.push(`process limit of ${limits.maxProcesses} reached`);
  if (sig === 'SIGXCPU' || sig === 24) causes.push(`CPU limit of ${limits.cpuSeconds} s exceeded`);
  if (sig === 'SIGXFSZ' || sig === 25) causes.push(`file size limit of ${limits.maxFileMb} MB exceeded`);
  if (result.leftovers > 0) causes.push(`${result.leftovers} processes could not be killed`);
  const tail = stderrTail(result.stderr);
  return `sandbox command failed: ${status}${causes.length === 0 ? '' : ` (${causes.join(', ')})`}${tail === '' ? '' : `: ${tail}`}`;
}

/** The last lines of stderr, at most ~200 characters: usually where the error is. */
function stderrTail(stderr: string, max = 200): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (kept.length > 0 && size + line.length + 1 > max) break;
    kept.unshift(line.length > max ? `…${line.slice(-(max - 1))}` : line);
    size += line.length + 1;
  }
  return oneLine(kept.join(' | '), max + 20);
}
