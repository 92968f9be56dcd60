/**
 * What the command can reach on disk: system dirs read-only, its own work dir
 * writable, nothing else of the artifact root, the model cache, the worker's
 * files, other tasks' work dirs or the host's home.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { requireLevel, runTool, tempDirs } from './sandboxKit.js';

const dirs = tempDirs();
const outsideTmp: string[] = [];
afterAll(() => {
  dirs.cleanup();
  for (const dir of outsideTmp) rmSync(dir, { recursive: true, force: true });
});

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('cannot write to /etc or /usr', async () => {
    const root = dirs.make();
    await expect(runTool(root, level, 'echo x > /etc/splai-probe')).rejects.toThrow(/exit code \d+: .*Read-only file system/);
    await expect(runTool(root, level, 'touch /usr/bin/splai-probe')).rejects.toThrow(/Read-only file system/);
    expect(existsSync('/etc/splai-probe')).toBe(false);
    expect(existsSync('/usr/bin/splai-probe')).toBe(false);
  });

  it('cannot change kernel settings through /proc/sys, even as uid 0', async () => {
    // Writing back the current value: harmless should the protection ever fail.
    for (const setting of ['vm/swappiness', 'kernel/core_pattern']) {
      await expect(runTool(dirs.make(), level, `cat /proc/sys/${setting} > /proc/sys/${setting}`), setting).rejects.toThrow(/Read-only file system/);
    }
    const output = await runTool(dirs.make(), level, 'cat /proc/sys/kernel/hostname');
    expect(output['stdout']).toBe('splai-sandbox\n');
  });

  it("cannot write to the host's home", async () => {
    const target = join(homedir(), `splai-sandbox-probe-${process.pid}-${level}`);
    try {
      await expect(runTool(dirs.make(), level, `echo x > ${target}`)).rejects.toThrow(/sandbox command failed: exit code 2/);
      expect(existsSync(target)).toBe(false);
    } finally {
      rmSync(target, { force: true });
    }
  });

  it('sees nothing of the artifact root but its own work dir, and its writes there stay private', async () => {
    const root = dirs.make();
    mkdirSync(join(root, 'models', 'tiny-model'), { recursive: true });
    writeFileSync(join(root, 'models', 'tiny-model', 'weights.bin'), 'weights');
    mkdirSync(join(root, 'job-0', 'task-0'), { recursive: true });
    writeFileSync(join(root, 'job-0', 'task-0', 'output.json'), '{}');
    const output = await runTool(root, level, `ls -A ${root}; echo escaped > ${root}/escaped.txt; echo x > ${root}/sandboxes/job-1/x.txt; true`);
    // Only the path down to the work dir exists inside (root sits in the host /tmp, private inside).
    expect(output['stdout']).toBe('sandboxes\n');
    expect(readdirSync(root).sort()).toEqual(['job-0', 'models', 'sandboxes']);
    expect(readdirSync(join(root, 'sandboxes', 'job-1'))).toEqual([]);
  });

  it('cannot create anything under an artifact root outside /tmp', async () => {
    const root = mkdtempSync('/var/tmp/splai-sandbox-test-');
    outsideTmp.push(root);
    await expect(runTool(root, level, `echo escaped > ${root}/escaped.txt`)).rejects.toThrow(/Read-only file system/);
    expect(readdirSync(root)).toEqual(['sandboxes']);
  });

  it("cannot read the worker's config file, the model cache or another task's work dir", async () => {
    const root = dirs.make();
    const configDir = dirs.make('splai-worker-config-');
    writeFileSync(join(configDir, 'worker.json'), '{"apiToken":"fake-secret"}');
    mkdirSync(join(root, 'sandboxes', 'job-1', 'task-2'), { recursive: true });
    writeFileSync(join(root, 'sandboxes', 'job-1', 'task-2', 'notes.txt'), 'other task');
    mkdirSync(join(root, 'models'), { recursive: true });
    writeFileSync(join(root, 'models', 'weights.bin'), 'weights');
    for (const path of [join(configDir, 'worker.json'), join(root, 'sandboxes', 'job-1', 'task-2', 'notes.txt'), join(root, 'models', 'weights.bin'), join(process.cwd(), 'package.json')]) {
      await expect(runTool(root, level, `cat ${path}`), path).rejects.toThrow(/exit code 1: .*No such file or directory/);
    }
  });

  it('has a private writable /tmp', async () => {
    const marker = `splai-private-tmp-${process.pid}-${level}`;
    const output = await runTool(dirs.make(), level, `echo x > /tmp/${marker} && cat /tmp/${marker}`);
    expect(output['stdout']).toBe('x\n');
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
  });
});
