/**
 * tool_execution output parity and failures, at each isolation level, through
 * the real executor and real processes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execute, sandboxWorkDir } from '../../executors/toolExecution.js';
import { requireLevel, runTool, tempDirs, toolContext } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('without a command', () => {
  it('answers ok with the op as tool and runs nothing', async () => {
    const root = dirs.make();
    await expect(execute(toolContext(root, { op: 'lint' }).context)).resolves.toEqual({ tool: 'lint', sandboxed: true, result: 'ok' });
    await expect(execute(toolContext(root, {}).context)).resolves.toEqual({ tool: 'noop', sandboxed: true, result: 'ok' });
  });
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('runs echo hi: stdout, exit code, level, flags', async () => {
    const output = await runTool(dirs.make(), level, 'echo hi', { op: 'shell' });
    expect(output).toMatchObject({
      tool: 'shell',
      sandboxed: true,
      stdout: 'hi\n',
      stderr: '',
      result: 'ok',
      _sandbox: { level, exit_code: 0, stdout_truncated: false, stderr_truncated: false, duration_ms: expect.any(Number) },
    });
  });

  it('starts in an empty 0700 work dir, even over what an earlier attempt left, and removes it after', async () => {
    const root = dirs.make();
    const workDir = sandboxWorkDir(root, 'job-1', 'task-1');
    mkdirSync(join(workDir, 'sub'), { recursive: true });
    writeFileSync(join(workDir, 'sub', 'stale'), 'from a crashed attempt');
    const output = await runTool(root, level, 'pwd; ls -A; stat -c %a .');
    expect(output['stdout']).toBe(`${workDir}\n700\n`);
    expect(existsSync(workDir)).toBe(false);
    // The job's directory stays: the next task's dir is one mkdir away.
    expect(await runTool(root, level, 'ls -A; stat -c %a .')).toMatchObject({ stdout: '700\n' });
  });

  it('takes the command from script when command is absent', async () => {
    const output = await runTool(dirs.make(), level, '', { script: 'printf "%s" "$((6 * 7))"' });
    expect(output['stdout']).toBe('42');
  });

  it('reports exit 3 as Failed naming the code, with the stderr tail on one line', async () => {
    await expect(runTool(dirs.make(), level, 'echo first >&2; echo "it broke" >&2; exit 3')).rejects.toThrow(/^sandbox command failed: exit code 3: first \| it broke$/);
    await expect(runTool(dirs.make(), level, 'exit 3')).rejects.toMatchObject({ name: 'TaskError', message: 'sandbox command failed: exit code 3' });
  });

  it('runs ordinary tools: alternatives (awk), pipes, shared memory, /dev/null', async () => {
    const output = await runTool(dirs.make(), level, `printf 'b\\na\\n' | sort | awk '{ printf "%s", $0 }'; echo; echo shm > /dev/shm/probe && cat /dev/shm/probe; echo gone > /dev/null`);
    expect(output['stdout']).toBe('ab\nshm\n');
  });

  it('runs in its private work dir with HOME and TMPDIR pointing at it', async () => {
    const root = dirs.make();
    const output = await runTool(root, level, 'pwd; echo "$HOME $TMPDIR"; echo data > file && cat file');
    const workDir = `${root}/sandboxes/job-1/task-1`;
    expect(output['stdout']).toBe(`${workDir}\n${workDir} ${workDir}\ndata\n`);
  });
});

describe('task inputs that set limits', () => {
  it('refuses a malformed timeout_seconds or _resource_memory', async () => {
    const root = dirs.make();
    await expect(runTool(root, 'none', 'true', { timeout_seconds: 'soon' })).rejects.toThrow(/timeout_seconds must be a positive number/);
    await expect(runTool(root, 'none', 'true', { _resource_memory: 'lots' })).rejects.toThrow(/_resource_memory must be a memory quantity/);
  });
});
