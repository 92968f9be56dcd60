/**
 * Production workers run as an unprivileged user (packaging/systemd): both
 * levels must work without root, through user namespaces.
 */
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const fixture = fileURLToPath(new URL('./fixtures/runAsWorkerUser.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('as an unprivileged worker user', () => {
  it('runs commands at the bwrap and unshare levels', async () => {
    const root = dirs.make();
    chmodSync(root, 0o777);
    // As root, drop to nobody for the worker process itself; otherwise we already are unprivileged.
    const node = [process.execPath, '--import', 'tsx', fixture, root, 'echo "uid=$(id -u)"; touch /etc/probe 2>/dev/null || echo etc-read-only; echo written > file && cat file'];
    const argv = process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--', ...node] : node;
    const { stdout } = await promisify(execFile)(argv[0] ?? '', argv.slice(1), { cwd: projectRoot, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root }, encoding: 'utf8' });
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const level of ['bwrap', 'unshare']) {
      const result = results.find((r) => r['level'] === level);
      expect(result?.['error'], `${level} as an unprivileged user (enable unprivileged user namespaces)`).toBeUndefined();
      expect(result?.['worker_uid']).not.toBe(0);
      expect(result?.['output']).toMatchObject({ _sandbox: { level, exit_code: 0 }, stdout: expect.stringMatching(/^uid=\d+\netc-read-only\nwritten\n$/) });
    }
  }, 30_000);
});
