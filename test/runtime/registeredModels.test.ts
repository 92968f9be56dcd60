/**
 * Registration advertises the models actually present in the model cache (plus
 * the configured ones), not a fixed list as the reference worker did.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createWorker, type SplaiWorker } from '../../index.js';
import { createMockControlPlane } from '../../testing/index.js';
import { tempDir } from '../helpers/cli.js';

const { controlPlane, handlers, baseUrl } = createMockControlPlane({ baseUrl: 'http://models.test' });
const server = setupServer(...handlers);
const cleanups: (() => Promise<unknown>)[] = [];
let worker: SplaiWorker | undefined;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => server.close());

it('registers the models found in the model cache, the configured ones, and not half downloads', async () => {
  const root = await tempDir('splai-models-');
  cleanups.push(root.cleanup);
  const cache = join(root.path, 'models');
  await mkdir(join(cache, 'acme', 'tiny'), { recursive: true });
  await writeFile(join(cache, 'acme', 'tiny', 'config.json'), '{}');
  await mkdir(join(cache, 'acme', '.tiny-2.download-tmp'), { recursive: true });
  await writeFile(join(cache, 'acme', '.tiny-2.download-tmp', 'part'), 'x');
  await mkdir(join(cache, 'acme', 'empty'), { recursive: true });

  worker = createWorker({
    config: { controlPlaneUrl: baseUrl, workerId: 'models-worker', artifactRoot: root.path, workerModels: ['llama3-8b-q4'], logLevel: 'silent', stateDir: join(root.path, 'state') },
  });
  worker.start();
  await new Promise<void>((resolve) => {
    const off = controlPlane.subscribe((event) => {
      if (event.type === 'worker.registered') {
        off();
        resolve();
      }
    });
  });
  expect(controlPlane.worker('models-worker')?.models).toEqual(['acme/tiny', 'llama3-8b-q4']);
});
