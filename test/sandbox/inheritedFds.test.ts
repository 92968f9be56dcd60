/**
 * A file descriptor the worker inherited from whatever started it (without
 * close-on-exec) must not reach the command: it could be a pipe to a
 * supervisor, a socket, an open secret.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireLevel, tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const fixture = fileURLToPath(new URL('./fixtures/runAsWorkerUser.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('file descriptors', () => {
  it('gives the command only its own stdio, at every level', async () => {
    requireLevel('bwrap');
    requireLevel('unshare');
    // The "worker" gets fd 40: a socket from this test, inherited without close-on-exec.
    const stdio: ('ignore' | 'pipe' | 'inherit')[] = ['ignore', 'pipe', 'inherit'];
    while (stdio.length < 40) stdio.push('ignore');
    stdio.push('pipe');
    const worker = spawn(process.execPath, ['--import', 'tsx', fixture, dirs.make(), 'for fd in /proc/self/fd/*; do echo "${fd##*/} $(readlink "$fd")"; done'], {
      cwd: projectRoot,
      stdio,
    });
    let stdout = '';
    worker.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    await new Promise((resolve) => worker.once('close', resolve));
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as { level: string; output?: { stdout: string }; error?: string });
    expect(results.map((r) => r.level)).toEqual(['bwrap', 'unshare']);
    for (const result of results) {
      expect(result.error, result.level).toBeUndefined();
      const fds = (result.output?.stdout ?? '').split('\n').filter((line) => line !== '').map((line) => line.split(' '));
      // 0-2 are stdio; the glob's own directory fd shows up already closed (no target); anything else must be /dev/null.
      for (const [fd, target] of fds) {
        if (fd === '0' || fd === '1' || fd === '2') continue;
        expect(target, `${result.level}: fd ${fd}`).toMatch(/^(\/dev\/null|)$/);
      }
      expect(fds.find(([fd]) => fd === '40')?.[1], result.level).toBe('/dev/null');
    }
  }, 30_000);
});
