/**
 * Nothing a command started outlives its task: daemons that setsid() or
 * double-fork out of the process group, and children of a task that is aborted.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execute } from '../../executors/toolExecution.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { eventually, processesMatching, requireLevel, runTool, tempDirs, toolContext, uniqueSeconds } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('kills a setsid daemon and a double-forked one when the command returns', async () => {
    const a = uniqueSeconds();
    const b = uniqueSeconds();
    const output = await runTool(dirs.make(), level, `setsid sh -c 'sleep ${a} &' </dev/null >/dev/null 2>&1; (sleep ${b} &) >/dev/null 2>&1; echo started`);
    expect(output).toMatchObject({ stdout: 'started\n', _sandbox: { exit_code: 0 } });
    expect(processesMatching(`sleep ${a}`)).toEqual([]);
    expect(processesMatching(`sleep ${b}`)).toEqual([]);
  });

  it('kills the whole tree when the task is aborted, and reports it', async () => {
    const seconds = uniqueSeconds();
    const run = toolContext(dirs.make(), { command: `setsid sleep ${seconds} & sleep ${seconds}` }, { config: { sandbox: level } });
    const done = execute(run.context);
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length >= 2)).toBe(true);
    expect(run.children).toHaveLength(1);
    run.controller.abort(new Error('job cancelled'));
    await expect(done).rejects.toMatchObject({ name: 'TaskError', message: 'sandbox command aborted: job cancelled' });
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });

  it('kills a command that ignores SIGTERM', async () => {
    const seconds = uniqueSeconds();
    await expect(runTool(dirs.make(), level, `trap '' TERM; sleep ${seconds}`, { timeout_seconds: '0.5' })).rejects.toThrow('sandbox command timed out after 0.5 s');
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });
});

describe('at level none (SPLAI_SANDBOX=none)', () => {
  beforeEach(() => {
    const support = detectSandboxLevel('none');
    if (support.cgroups.pidsParent === undefined) throw new Error(`reaping escaped daemons without a PID namespace needs a writable pids cgroup, and this host has none: ${support.cgroups.note}`);
  });

  it('still kills a setsid daemon, through the cgroup', async () => {
    const seconds = uniqueSeconds();
    const output = await runTool(dirs.make(), 'none', `setsid sleep ${seconds} </dev/null >/dev/null 2>&1 & echo started`);
    expect(output).toMatchObject({ stdout: 'started\n', _sandbox: { level: 'none' } });
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });
});
