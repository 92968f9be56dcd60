/**
 * The gateway filters llm_inference tasks on the workers' registered models
 * strictly, once any worker lists a model. So a worker must register the models
 * its backends hold: read from Ollama's /api/tags (here a fake Ollama on a
 * loopback port), they win the tasks of the gateway's default model.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../testing/index.js';
import { registered, startFleet, workerId, type Fleet } from './fleet.js';

let fleet: Fleet | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
});

/** A fake Ollama: /api/tags lists `models`; /api/generate answers, counting calls. */
async function fakeOllama(models: string[]): Promise<{ url: string; generated: () => number }> {
  let generated = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/tags') return void res.end(JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1 })) }));
    if (req.url === '/api/generate') {
      generated++;
      req.resume();
      return void req.on('end', () => res.end(JSON.stringify({ response: 'hello from the fake', done: true })));
    }
    res.writeHead(404).end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, generated: () => generated };
}

it(`models listed by Ollama's /api/tags are registered, and win the tasks of the gateway's default model (${DEFAULT_MODEL})`, async () => {
  const holding = await fakeOllama([DEFAULT_MODEL, 'nomic-embed-text:latest']);
  const empty = await fakeOllama([]);
  fleet = await startFleet({ workers: 2, slots: 2, realExecution: true, config: (i) => ({ ollamaBaseUrl: i === 0 ? holding.url : empty.url }) });
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  expect(cp.worker(workerId(0))?.models).toEqual(expect.arrayContaining([DEFAULT_MODEL, 'nomic-embed-text:latest', 'nomic-embed-text']));
  expect(cp.worker(workerId(1))?.models).toEqual([]);
  // No model named in the job: the gateway injects its default model and backend ollama.
  const { job_id } = cp.submitJob({ tasks: Array.from({ length: 6 }, (_, i) => ({ task_id: `ask-${i}`, type: 'llm_inference', inputs: { prompt: `question ${i}` } })) });
  expect((await cp.waitForJob(job_id, { timeoutMs: 20_000 })).status).toBe('Completed');
  const tasks = cp.tasks(job_id);
  expect(tasks.every((t) => t.inputs['model'] === DEFAULT_MODEL && t.inputs['backend'] === 'ollama')).toBe(true);
  expect(tasks.map((t) => t.reports.at(-1)?.worker_id)).toEqual(tasks.map(() => workerId(0)));
  expect(holding.generated()).toBe(6);
  expect(empty.generated()).toBe(0);
});

it(`serves ${DEFAULT_MODEL} from the model cache: the gateway's install task completes without the network`, async () => {
  const ollama = await fakeOllama([]);
  fleet = await startFleet({
    workers: 1,
    slots: 2,
    realExecution: true,
    // A hub that cannot be reached: any download would fail.
    config: () => ({ ollamaBaseUrl: ollama.url, hfEndpoint: 'http://127.0.0.1:9' }),
  });
  const cache = join(fleet.root, workerId(0), 'models', DEFAULT_MODEL);
  await mkdir(cache, { recursive: true });
  await writeFile(join(cache, 'config.json'), '{"arch":"llama"}');
  await registered(fleet);
  const cp = fleet.server.controlPlane;
  // install_model_if_missing: the gateway puts a model_download of the job's model in front.
  const { job_id } = cp.submitJob({ install_model_if_missing: true, tasks: [{ task_id: 'ask', type: 'llm_inference', inputs: { prompt: 'hi' } }] });
  expect((await cp.waitForJob(job_id, { timeoutMs: 20_000 })).status).toBe('Completed');
  const install = cp.task(job_id, 't0-model-install');
  expect(install).toMatchObject({ type: 'model_download', status: 'Completed', attempt: 1 });
  expect(install.inputs).toMatchObject({ model: DEFAULT_MODEL, source: 'huggingface', only_if_missing: 'true' });
  const output = JSON.parse(await readFile(join(fleet.root, workerId(0), job_id, 't0-model-install', 'output.json'), 'utf8')) as Record<string, unknown>;
  expect(output).toMatchObject({ model: DEFAULT_MODEL, source: 'huggingface', model_installed_now: false, result: 'ok', model_path: cache });
  expect(ollama.generated()).toBe(1);
});
