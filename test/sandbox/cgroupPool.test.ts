/**
 * Reused command cgroups: a group serves the next command only once nothing of
 * the last one is left in it, only for the same limits, and a limit hit by one
 * command is never reported for the next.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupPool } from '../../sandbox/cgroupPool.js';
import { detectCgroups, type CommandCgroups } from '../../sandbox/cgroups.js';
import { eventually } from './sandboxKit.js';

const support = detectCgroups();
const limits = { maxProcesses: 8, memoryMb: 32 };
const active = new Set<string>();
let pool: CgroupPool;
const made: CommandCgroups[] = [];

beforeEach(() => {
  if (support.pidsParent === undefined || support.memoryParent === undefined) throw new Error(`these tests need writable pids and memory cgroups, and this host has none: ${support.note}`);
  pool = new CgroupPool(active, 2);
});

afterEach(async () => {
  for (const group of made.splice(0)) {
    if (!existsSync(group.procsFiles[0] ?? '')) continue; // removed by the pool
    group.killAll();
    await eventually(() => group.isEmpty() && group.remove());
  }
});

function acquire(groupLimits = limits): CommandCgroups {
  const group = pool.acquire(support, groupLimits);
  if (group === undefined) throw new Error('no cgroups');
  made.push(group);
  return group;
}

/** Run `script` with /bin/sh inside `group` (no rlimits, no isolation: only the groups hold it). */
function runIn(group: CommandCgroups, script: string): number | null {
  const join = 'for f; do echo $$ > "$f" || exit 125; done';
  return spawnSync('/bin/sh', ['-c', `${join}; ${script}`, 'in-group', ...group.procsFiles], { stdio: 'ignore', timeout: 20_000 }).status;
}

describe('the command cgroup pool', () => {
  it('hands an empty group out again, and reports a limit hit only for the command that hit it', async () => {
    const first = acquire();
    // Grows past 32 MB: the kernel OOM-kills it.
    runIn(first, `awk 'BEGIN { s = "x"; while (1) s = s s }'`);
    // More processes than pids.max: a fork fails (the shell gives up, its sleeps run on).
    runIn(first, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done; wait');
    expect(first.events()).toEqual({ processLimitHit: true, memoryLimitHit: true });
    expect(await eventually(() => first.isEmpty())).toBe(true);
    pool.release(first, true);

    const second = acquire();
    expect(second.name).toBe(first.name);
    expect(second.events()).toEqual({ processLimitHit: false, memoryLimitHit: false });
    expect(runIn(second, 'true')).toBe(0);
    expect(second.events()).toEqual({ processLimitHit: false, memoryLimitHit: false });
    // And a new hit is seen again.
    runIn(second, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done; wait');
    expect(second.events().processLimitHit).toBe(true);
  });

  it('never hands out a group that still holds a process, and never one made for other limits', async () => {
    const busy = acquire();
    const sleeper = spawn('/bin/sh', ['-c', 'for f; do echo $$ > "$f"; done; exec sleep 30', 'in-group', ...busy.procsFiles], { stdio: 'ignore' });
    expect(await eventually(() => !busy.isEmpty())).toBe(true);
    pool.release(busy, true);
    const next = acquire();
    expect(next.name).not.toBe(busy.name);
    pool.release(next, true);
    const other = acquire({ maxProcesses: 9, memoryMb: 32 });
    expect(other.name).not.toBe(next.name);
    sleeper.kill('SIGKILL');
    expect(await eventually(() => busy.isEmpty())).toBe(true);
  });

  it('removes the groups it lets go: a full pool its oldest, and groups with unkillable processes', async () => {
    const [a, b, c, d] = [acquire(), acquire(), acquire(), acquire()];
    pool.release(a, true);
    pool.release(b, true);
    pool.release(c, true); // capacity 2: a goes
    pool.release(d, false);
    expect(await eventually(() => !existsSync(a.procsFiles[0] ?? '') && !existsSync(d.procsFiles[0] ?? ''))).toBe(true);
    expect(await eventually(() => !active.has(a.name) && !active.has(d.name))).toBe(true);
    expect(existsSync(b.procsFiles[0] ?? '')).toBe(true);
    expect(active.has(b.name) && active.has(c.name)).toBe(true);
  });
});
