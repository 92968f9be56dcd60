/**
 * The sandbox baselines, no worker involved:
 * - `spawnFloor`: the sandbox's own isolation command (bwrap with the worker's
 *   bwrap arguments, or the unshare form, or nothing at level none) running
 *   `/bin/true`, spawned from Node, `concurrency` at a time. What any sandboxed
 *   command costs on this host.
 * - `launchFloor`: the sandbox's whole launch line around the command `true`
 *   as `runSandboxed` builds it (parent-death signal, the limits shell, the
 *   isolation, `/bin/sh -c true`), without cgroups, spawned from Node: what the
 *   sandbox's own programs cost before any of its JavaScript.
 * - `sandboxDirect`: `runSandboxed` itself (limits, cgroups, capture, reaping)
 *   on the main thread, same concurrency: the sandbox module's full cost,
 *   without the worker around it. The gap between the two belongs to the
 *   sandbox module; the gap between this and the worker belongs to the worker.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { WorkerConfig } from '../config/definitions.js';
import { bwrapArgs } from '../sandbox/bwrapArgs.js';
import { extraStdio, launcherArgv } from '../sandbox/launcher.js';
import type { SandboxSupport } from '../sandbox/detectSandboxLevel.js';
import { resolveLimits } from '../sandbox/limits.js';
import { runSandboxed } from '../sandbox/runSandboxed.js';
import { unshareArgv } from '../sandbox/unshareArgs.js';
import type { Run } from './summary.js';

/** Run `count` jobs, `concurrency` at a time; resolves with the elapsed ms. */
async function timed(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<Run> {
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { tasks: count, millis: performance.now() - started };
}

function spawnOnce(argv: readonly string[], cwd: string, fds: ReadonlyArray<'pipe' | 'ignore' | number> = ['pipe']): Promise<void> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    // fd 3 like the sandbox: bwrap writes its info JSON there (--info-fd 3).
    const child = spawn(program!, args, { cwd, stdio: ['ignore', 'ignore', 'pipe', ...fds], env: { PATH: '/usr/bin:/bin' } });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    (child.stdio[3] as Readable | null)?.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** The isolation command line of `support` around `/bin/true`, as the sandbox builds it (without limits). */
function isolationArgv(support: SandboxSupport, workDir: string, rootMount: string, tmpMb: number): string[] {
  const spec = { workDir, tmpMb, argv: ['/bin/true'] };
  const { bwrap, unshare, setpriv, pivotRoot } = support.tools;
  if (support.level === 'bwrap' && bwrap !== undefined) return [bwrap, ...bwrapArgs(spec)];
  if (support.level === 'unshare' && unshare !== undefined && setpriv !== undefined && pivotRoot !== undefined) {
    return unshareArgv(spec, { unshare, setpriv, pivotRoot }, rootMount, process.getuid?.() !== 0);
  }
  return ['/bin/true'];
}

export async function spawnFloor(support: SandboxSupport, config: WorkerConfig, count: number, concurrency: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'splai-bench-spawn-'));
  try {
    const argv = isolationArgv(support, dir, dir, config.sandboxMaxFileMb);
    return await timed(count, concurrency, () => spawnOnce(argv, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function launchFloor(support: SandboxSupport, config: WorkerConfig, count: number, concurrency: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'splai-bench-launch-'));
  try {
    const argv = launcherArgv({ command: 'true', workDir: dir, support, limits: resolveLimits(config, {}) }, dir, undefined);
    return await timed(count, concurrency, () => spawnOnce(argv, dir, extraStdio(support.level)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sandboxDirect(support: SandboxSupport, config: WorkerConfig, count: number, concurrency: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'splai-bench-direct-'));
  const limits = resolveLimits(config, {});
  try {
    return await timed(count, concurrency, async (i) => {
      const workDir = join(dir, String(i));
      mkdirSync(workDir);
      const result = await runSandboxed({ command: 'true', workDir, support, limits, signal: new AbortController().signal });
      rmSync(workDir, { recursive: true, force: true });
      if (result.exitCode !== 0) throw new Error(`sandboxed true exited with ${result.exitCode ?? result.signal}: ${result.stderr.slice(0, 200)}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
