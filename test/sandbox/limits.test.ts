/**
 * Resource limits end runaway commands as Failed without hurting the host:
 * fork bomb, memory hog, CPU spinner, huge file, output flood, wall clock.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { parseMemoryBytes, resolveLimits } from '../../sandbox/limits.js';
import { resolveConfig } from '../../config/load.js';
import { eventually, processesMatching, requireLevel, runTool, tempDirs, uniqueSeconds } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('limits from config and task inputs', () => {
  it('parses memory quantities as the scheduler writes them', () => {
    expect(parseMemoryBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(parseMemoryBytes('1Gi')).toBe(2 ** 30);
    expect(parseMemoryBytes('256M')).toBe(256e6);
    expect(parseMemoryBytes('1048576')).toBe(2 ** 20);
    expect(parseMemoryBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    for (const bad of ['', 'Mi', '-1Gi', '12 parsecs', '0']) expect(parseMemoryBytes(bad), bad).toBeUndefined();
  });

  it('lets inputs lower the caps but never raise them', () => {
    const config = resolveConfig({ sandboxTimeoutSeconds: 10, sandboxMemoryMb: 1024 });
    expect(resolveLimits(config, { timeout_seconds: '2', _resource_memory: '256Mi' })).toMatchObject({ timeoutSeconds: 2, memoryMb: 256 });
    expect(resolveLimits(config, { timeout_seconds: '600', _resource_memory: '64Gi' })).toMatchObject({ timeoutSeconds: 10, memoryMb: 1024 });
    // Below what a shell needs, the floor applies.
    expect(resolveLimits(config, { _resource_memory: '1Mi' }).memoryMb).toBe(16);
  });
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('contains a fork bomb and reports it Failed', async () => {
    // The bare bomb returns at once and its namespace dies with the shell, maybe
    // before it reaches the limit; the sleep keeps it alive long enough to hit it.
    await expect(runTool(dirs.make(), level, `bash -c ':(){ :|:& };:'; sleep 1`, {}, { sandboxMaxProcesses: 32 })).rejects.toThrow(/^sandbox command failed: .*process limit of 32 reached/);
    // The host still forks.
    expect(spawnSync('/bin/true').status).toBe(0);
  });

  it('leaves nothing of the bare fork bomb behind', async () => {
    const bomb = ':(){ :|:& };:';
    await runTool(dirs.make(), level, `bash -c '${bomb}'`, {}, { sandboxMaxProcesses: 32 }).catch(() => undefined);
    expect(processesMatching(bomb)).toEqual([]);
    expect(spawnSync('/bin/true').status).toBe(0);
  });

  it('stops a memory hog at the task memory limit', async () => {
    await expect(runTool(dirs.make(), level, `awk 'BEGIN { s = "x"; while (1) s = s s }'`, { _resource_memory: '64Mi' })).rejects.toThrow(/^sandbox command failed: (exit code 2: .*out of memory|.*memory limit of 64 MB exceeded)/);
  });

  it('holds the whole command to the memory limit, not just each process', async () => {
    const support = detectSandboxLevel(level);
    if (support.cgroups.memoryParent === undefined) throw new Error(`a memory limit for the whole command needs a memory cgroup, and this host has none: ${support.cgroups.note}`);
    // Six processes of ~40 MB each: every one is under the per-process RLIMIT_AS, together they are not.
    const hog = `awk 'BEGIN { s = "x"; while (length(s) < 16000000) s = s s; system("sleep 1") }'`;
    await expect(runTool(dirs.make(), level, `for i in 1 2 3 4 5 6; do ${hog} & done; wait`, {}, { sandboxMemoryMb: 64 })).rejects.toThrow(/^sandbox command failed: .*memory limit of 64 MB exceeded/);
  });

  it('kills a CPU spinner at the CPU limit', async () => {
    await expect(runTool(dirs.make(), level, 'while :; do :; done', {}, { sandboxCpuSeconds: 1 })).rejects.toThrow(/^sandbox command failed: exit code 152 \(CPU limit of 1 s exceeded\)/);
  });

  it('stops a file at the file size limit', async () => {
    await expect(runTool(dirs.make(), level, 'head -c 3000000 /dev/zero > big', {}, { sandboxMaxFileMb: 1 })).rejects.toThrow(/^sandbox command failed: exit code 153 \(file size limit of 1 MB exceeded\)/);
  });

  it('caps captured stdout when yes floods it, flags it, and keeps the worker memory flat', async () => {
    const before = process.memoryUsage().rss;
    const output = await runTool(dirs.make(), level, 'yes | head -c 200000000; echo done >&2', {}, { sandboxOutputBytes: 1_048_576 });
    const grown = process.memoryUsage().rss - before;
    expect(output['stdout']).toHaveLength(1_048_576);
    expect(String(output['stdout']).slice(0, 4)).toBe('y\ny\n');
    expect(output).toMatchObject({ stderr: 'done\n', _sandbox: { stdout_truncated: true, stderr_truncated: false, exit_code: 0 } });
    // 200 MB went through the pipe; the worker kept 1 MiB of it (slack for buffers and GC timing).
    expect(grown).toBeLessThan(100 * 2 ** 20);
  });

  it('times out sleep 1000 after 1 s and leaves no sleep behind', async () => {
    const seconds = uniqueSeconds();
    await expect(runTool(dirs.make(), level, `sleep ${seconds}`, { timeout_seconds: '1' })).rejects.toMatchObject({ name: 'TaskError', message: 'sandbox command timed out after 1 s' });
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });

  it('keeps the configured timeout when the task asks for more', async () => {
    const seconds = uniqueSeconds();
    await expect(runTool(dirs.make(), level, `sleep ${seconds}`, { timeout_seconds: '3600' }, { sandboxTimeoutSeconds: 0.5 })).rejects.toThrow('sandbox command timed out after 0.5 s');
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 0, 100)).toBe(true);
  });
});
