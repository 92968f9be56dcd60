/**
 * Production workers run as an unprivileged user (packaging/systemd): both
 * levels must work without root, through user namespaces.
 *
 * As root, the worker process drops to nobody. That user may not read the
 * checkout (cloned under a 0700 home directory or CI workspace) nor the Node
 * binary, so it runs the fixture compiled into a temp dir it can read
 * (test/helpers/stageForUser.ts), not the sources through tsx.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, stageForUser, type StagedEntry } from '../helpers/stageForUser.js';

const fixture = fileURLToPath(new URL('./fixtures/runAsWorkerUser.ts', import.meta.url));
// As root, drop to nobody for the worker process itself; otherwise we already are unprivileged.
const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

let staged: StagedEntry | undefined;
beforeAll(() => {
  staged = stageForUser(fixture, nobody);
});
afterAll(() => staged?.cleanup());

describe('as an unprivileged worker user', () => {
  it('runs commands at the bwrap and unshare levels', async () => {
    const { dir, entry, node, scratch: root } = staged!;
    const worker = [node, entry, root, 'echo "uid=$(id -u)"; touch /etc/probe 2>/dev/null || echo etc-read-only; echo written > file && cat file'];
    const argv = nobody === undefined ? worker : asUser(nobody, worker);
    const { stdout } = await promisify(execFile)(argv[0] ?? '', argv.slice(1), { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root }, encoding: 'utf8' });
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const level of ['bwrap', 'unshare']) {
      const result = results.find((r) => r['level'] === level);
      expect(result?.['error'], `${level} as an unprivileged user (enable unprivileged user namespaces)`).toBeUndefined();
      expect(result?.['worker_uid']).not.toBe(0);
      expect(result?.['output']).toMatchObject({ _sandbox: { level, exit_code: 0 }, stdout: expect.stringMatching(/^uid=\d+\netc-read-only\nwritten\n$/) });
    }
  }, 30_000);
});
