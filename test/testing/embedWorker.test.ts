/**
 * Written the way a user of the package writes it (see docs/testing.md): the
 * real worker machine, embedded in a vitest suite, against the MSW-mocked
 * control plane from `splai-worker/testing`. In user code the imports are
 * `splai-worker` and `splai-worker/testing`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createWorker, type SplaiWorker } from '../../index.js';
import { createMockControlPlane } from '../../testing/index.js';

const { controlPlane, handlers, baseUrl } = createMockControlPlane();
const server = setupServer(...handlers);
let artifactRoot = '';
let worker: SplaiWorker | undefined;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  artifactRoot = await mkdtemp(join(tmpdir(), 'splai-kit-'));
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  // Like the real gateway, the control plane never forgets a worker by itself:
  // one left from an earlier test would still compete for tasks.
  controlPlane.forgetWorkers();
});
afterAll(async () => {
  server.close();
  await rm(artifactRoot, { recursive: true, force: true });
});

it('runs a job end to end against the mocked control plane', async () => {
  worker = createWorker({ config: { controlPlaneUrl: baseUrl, workerId: 'kit-worker', artifactRoot, pollMillis: 50, logLevel: 'silent' } });
  worker.start();

  const { job_id } = controlPlane.submitJob({
    tasks: [
      { task_id: 'facts', type: 'aggregation', inputs: { items_json: '[{"city":"Lyon"}]' } },
      { task_id: 'report', type: 'aggregation', depends_on: ['facts'], inputs: { required_fields: 'mode,result' } },
    ],
  });
  const job = await controlPlane.waitForJob(job_id, { timeoutMs: 10_000 });

  expect(job.status).toBe('Completed');
  expect(controlPlane.worker('kit-worker')?.worker_id).toBe('kit-worker');
  expect(controlPlane.tasks(job_id).map((t) => [t.task_id, t.status, t.output_artifact_uri])).toEqual([
    ['facts', 'Completed', `artifact://${job_id}/facts/output.json`],
    ['report', 'Completed', `artifact://${job_id}/report/output.json`],
  ]);
});

it('lets a test replace an effect, here the executor, and keeps the real machines', async () => {
  worker = createWorker({
    config: { controlPlaneUrl: baseUrl, workerId: 'fake-executor', artifactRoot, pollMillis: 50, logLevel: 'silent' },
    effects: {
      execute: async (assignment) => ({ ok: false, error: `no GPU for ${assignment.task_id}`, durationMillis: 1, executorMillis: 1 }),
    },
  });
  worker.start();
  const { job_id } = controlPlane.submitJob({ tasks: [{ task_id: 'gen', type: 'llm_inference', max_retries: 0, inputs: { prompt: 'hi' } }] });
  const job = await controlPlane.waitForJob(job_id, { timeoutMs: 10_000 });
  expect(job.status).toBe('Failed');
  expect(controlPlane.task(job_id, 'gen').error).toBe('no GPU for gen');
});
