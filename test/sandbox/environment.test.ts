/**
 * The command sees none of the worker's environment: only PATH, HOME, TMPDIR
 * and LANG, and no secret anywhere it could look (its own env, /proc).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireLevel, runTool, tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
const secrets: Record<string, string> = {
  SPLAI_API_TOKEN: 'fake-control-plane-token-7f3a',
  HF_TOKEN: 'hf_fakehuggingfacetoken9c1d',
  SPLAI_REMOTE_API_KEY: 'sk-fake-remote-key-0b2e',
  SPLAI_MINIO_SECRET_KEY: 'fake-minio-secret-55aa',
  AWS_SECRET_ACCESS_KEY: 'fake-aws-secret-c0ffee',
};
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [key, value] of Object.entries(secrets)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
});
afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  dirs.cleanup();
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('env holds PATH, HOME, TMPDIR and LANG only', async () => {
    const root = dirs.make();
    // `env -0` shows the exact environment the shell was given (the shell itself adds PWD).
    const output = await runTool(root, level, 'env');
    const workDir = `${root}/sandboxes/job-1/task-1`;
    const lines = String(output['stdout']).trim().split('\n').filter((line) => !line.startsWith('PWD=')).sort();
    expect(lines).toEqual(['HOME=' + workDir, 'LANG=C.UTF-8', 'PATH=/usr/bin:/bin', 'TMPDIR=' + workDir]);
  });

  it('finds no secret in any process environment or command line it can see', async () => {
    const output = await runTool(dirs.make(), level, 'cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" "\\n"; true');
    const seen = String(output['stdout']);
    expect(seen).toContain('PATH=/usr/bin:/bin');
    for (const value of Object.values(secrets)) expect(seen).not.toContain(value);
  });
});
