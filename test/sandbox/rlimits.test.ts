/**
 * The per-process rlimits reach the command exactly, whoever sets them (the
 * launcher shell's ulimit, or prlimit where the shell cannot), at every level,
 * and a command cannot raise them again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/load.js';
import { detectSandboxLevel, type SandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { resolveLimits } from '../../sandbox/limits.js';
import { expectedProcLimits, limitOf, type RlimitTool } from '../../sandbox/rlimits.js';
import { runSandboxed } from '../../sandbox/runSandboxed.js';
import { requireLevel, tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

// Odd values, so that a wrong unit or a default shows.
const limits = resolveLimits(resolveConfig({ sandboxCpuSeconds: 7, sandboxMemoryMb: 515, sandboxMaxFileMb: 5, sandboxMaxProcesses: 33 }), {});

async function run(level: SandboxLevel, rlimits: RlimitTool, command: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  if (level !== 'none') requireLevel(level);
  const support = { ...detectSandboxLevel(level), rlimits };
  return runSandboxed({ command, workDir: dirs.make(), support, limits, signal: new AbortController().signal });
}

describe('on this host', () => {
  it('sets the rlimits with the launcher shell, without prlimit', () => {
    expect(detectSandboxLevel('bwrap').rlimits).toBe('shell');
    expect(detectSandboxLevel('bwrap').enforcement).toMatchObject({ cpu: 'RLIMIT_CPU (ulimit)', fileSize: 'RLIMIT_FSIZE (ulimit)' });
  });
});

describe.each(['bwrap', 'unshare', 'none'] as const)('at level %s', (level) => {
  it.each(['shell', 'prlimit'] as const)('gives the command every limit, soft and hard, when %s sets them', async (rlimits) => {
    const result = await run(level, rlimits, 'cat /proc/self/limits');
    expect(result.exitCode, result.stderr).toBe(0);
    for (const [name, want] of Object.entries(expectedProcLimits(limits))) expect(limitOf(result.stdout, name), name).toEqual(want);
  });
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  it.each(['shell', 'prlimit'] as const)('does not let the command raise a hard limit set by %s', async (rlimits) => {
    // No capability inside (CAP_SYS_RESOURCE), even as uid 0: raising a hard limit fails.
    for (const option of ['-t', '-v', '-f', '-c']) {
      const result = await run(level, rlimits, `ulimit ${option} unlimited`);
      expect(result.exitCode, `ulimit ${option}`).not.toBe(0);
    }
  });
});
