/**
 * Which processes the runner stops waiting for: those that can never run code
 * of their own again (gone, zombies, SIGKILL pending), and no others.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFinished } from '../../sandbox/pidNamespace.js';
import { eventually } from './sandboxKit.js';

const V1_FREEZER = '/sys/fs/cgroup/freezer';

describe('isFinished', () => {
  it('is false for a running or sleeping process, true once it is a zombie or gone', async () => {
    // The shell's child `sleep 0` is never waited for: `sleep 30` (the shell, exec'd) does not wait.
    const child = spawn('/bin/sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    const children = (): string => {
      try {
        return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    expect(await eventually(() => /^\d+$/.test(children()) && readFileSync(`/proc/${children()}/status`, 'utf8').includes('State:\tZ'))).toBe(true);
    expect(isFinished(Number(children()))).toBe(true);
    expect(isFinished(pid)).toBe(false);
    child.kill('SIGKILL');
    expect(await eventually(() => isFinished(pid))).toBe(true);
    expect(isFinished(2 ** 22 + 1)).toBe(true); // above pid_max: never existed
  });

  // A frozen process (cgroup v1 freezer) stays until thawed, SIGKILL pending: the one state that shows it.
  it.runIf(existsSync(V1_FREEZER))('is true for a process with SIGKILL pending, before it has died', async () => {
    const group = join(V1_FREEZER, `splai-test-${process.pid}`);
    mkdirSync(group);
    const child = spawn('/bin/sh', ['-c', `echo $$ > ${group}/cgroup.procs; exec sleep 30`], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      expect(await eventually(() => /sleep/.test(spawnSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' }).stdout))).toBe(true);
      writeFileSync(join(group, 'freezer.state'), 'FROZEN');
      expect(await eventually(() => spawnSync('cat', [join(group, 'freezer.state')], { encoding: 'utf8' }).stdout.trim() === 'FROZEN')).toBe(true);
      expect(isFinished(pid)).toBe(false);
      process.kill(pid, 'SIGKILL');
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      expect(isFinished(pid)).toBe(true);
    } finally {
      writeFileSync(join(group, 'freezer.state'), 'THAWED');
      await eventually(() => child.exitCode !== null || child.signalCode !== null);
      await eventually(() => {
        try {
          rmdirSync(group);
          return true;
        } catch {
          return false;
        }
      });
    }
  });
});
