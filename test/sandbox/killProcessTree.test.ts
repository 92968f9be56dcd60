/** killProcessTree: the last resort of the pool for children of a terminated thread. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killProcessTree } from '../../sandbox/killProcessTree.js';
import { eventually, processesMatching, uniqueSeconds } from './sandboxKit.js';

describe('killProcessTree', () => {
  it('kills a detached child and the children in its group, even one that ignores SIGTERM', async () => {
    const seconds = uniqueSeconds();
    const child = spawn('/bin/sh', ['-c', `trap '' TERM; sleep ${seconds} & sleep ${seconds} & wait`], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // The shell (its command line names the sleeps too) and both sleeps.
      expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 3)).toBe(true);
      killProcessTree(child.pid ?? 0, 100);
      await exited;
      expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 0)).toBe(true);
    } finally {
      // Whatever happened above, leave nothing behind.
      if (child.pid !== undefined) for (const pid of processesMatching(`sleep ${seconds}`)) process.kill(pid, 'SIGKILL');
    }
  });
});
