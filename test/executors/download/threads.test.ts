/**
 * model_download in real task threads: two threads of one process download the
 * same model at once; the cache ends with one intact copy, and only the thread
 * that installed it reports `modelInstalled` (the lead re-registers on it).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskPool } from '../../../actors/taskPool.js';
import { resolveConfig } from '../../../config/index.js';
import type { Assignment } from '../../../protocol/schemas.js';
import { startFakeHub } from './fakeHub.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('model_download in task threads', () => {
  it('two threads downloading one model leave one copy; one reports modelInstalled', async () => {
    const root = await mkdtemp(join(tmpdir(), 'splai-threads-dl-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const files = { 'config.json': '{"a":1}', 'model.bin': Buffer.alloc(300_000, 3) };
    const hub = await startFakeHub({ models: { 'acme/shared': files } });
    cleanups.push(() => hub.close());
    hub.stallDownloads();
    const config = resolveConfig({ artifactRoot: root, hfEndpoint: hub.url, maxParallelTasks: 2 });
    const logs: string[] = [];
    const pool = new TaskPool(config, { onLog: (message) => logs.push(`${message.key} ${message.message}`) });
    cleanups.push(() => pool.destroy());

    const task = (id: string): Assignment => ({ job_id: 'job-dl', task_id: id, type: 'model_download', inputs: { model: 'acme/shared' }, attempt: 0, lease_id: '' });
    const first = pool.run(task('dl-1'));
    const second = pool.run(task('dl-2'));
    await expect.poll(() => hub.downloads.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // Release only once the other thread is blocked on the same model.
    await expect.poll(() => logs.filter((line) => line.includes('waiting for another download of acme/shared')).length, { timeout: 10_000 }).toBe(1);
    hub.release();
    const results = await Promise.all([first, second]);

    expect(results.every((result) => result.ok)).toBe(true);
    const installed = results.map((result) => (result.ok ? result.modelInstalled : undefined));
    expect(installed.filter((model) => model !== undefined)).toEqual(['acme/shared']);
    expect(hub.downloads.length).toBe(2); // each file once
    const dir = join(config.modelCacheDir, 'acme', 'shared');
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.bin']);
    expect((await readFile(join(dir, 'model.bin'))).equals(files['model.bin'])).toBe(true);
    expect(await readdir(join(config.modelCacheDir, 'acme'))).toEqual(['shared']);
  });
});
