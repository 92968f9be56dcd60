/**
 * Issue 4's end-to-end run: the real CLI daemon on the development control plane,
 * a DAG that uses all six task types. The model server (an Ollama fake) and the
 * Hugging Face Hub (a fake serving the routes the hub library uses) are local
 * HTTP servers; nothing leaves 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { startFakeHub, type FakeHub } from '../executors/download/fakeHub.js';
import { spawnCli, tempDir, type CliProcess } from '../helpers/cli.js';

interface Seen {
  path: string;
  body: Record<string, unknown>;
}

async function startFakeOllama(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      seen.push({ path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/generate') {
        res.end(JSON.stringify({ model: body['model'], created_at: '2026-11-26T00:00:00Z', response: '  Lyon is in France.  ', done: true }));
      } else if (req.url === '/api/embed') {
        const input = body['input'] as string[];
        res.end(JSON.stringify({ model: body['model'], embeddings: input.map((_, i) => [0.5, 0.5, i + 1]) }));
      } else {
        res.writeHead(404).end('{"error":"not found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('all six task types end to end', () => {
  let controlPlane: RunningControlPlane;
  let ollama: Awaited<ReturnType<typeof startFakeOllama>>;
  let hub: FakeHub;
  let cli: CliProcess;
  let root: { path: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    expect(detectSandboxLevel('auto').refusal, 'needs bubblewrap or unshare (CI installs bubblewrap)').toBeUndefined();
    controlPlane = await startControlPlaneServer({ port: 0, heartbeatIntervalSeconds: 1 });
    ollama = await startFakeOllama();
    hub = await startFakeHub({ models: { 'acme/tiny-model': { 'config.json': '{"arch":"tiny"}', 'weights/part-1.bin': 'x'.repeat(4096) } } });
    root = await tempDir('splai-e2e-');
    cli = spawnCli(['run'], {
      SPLAI_CONTROL_PLANE_URL: controlPlane.url,
      SPLAI_WORKER_ID: 'e2e-worker',
      SPLAI_ARTIFACT_ROOT: root.path,
      SPLAI_POLL_MILLIS: '100',
      SPLAI_MAX_PARALLEL_TASKS: '3',
      SPLAI_HTTP_ADDR: 'off',
      SPLAI_OLLAMA_BASE_URL: ollama.url,
      HF_ENDPOINT: hub.url,
      HF_TOKEN: 'hf_e2e_secret_token',
    });
  });

  afterAll(async () => {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    await Promise.all([controlPlane.close(), ollama.close(), hub.close()]);
    await root.cleanup();
  });

  it('completes a DAG of llm_inference, model_download, tool_execution, embedding, retrieval and aggregation', async () => {
    const { job_id } = controlPlane.controlPlane.submitJob({
      job_id: 'six',
      // The gateway sets every task's `model` from the job's (its router's default otherwise).
      model: 'acme/tiny-model',
      tasks: [
        { task_id: 'fetch-model', type: 'model_download', inputs: { model: 'acme/tiny-model' } },
        { task_id: 'generate', type: 'llm_inference', depends_on: ['fetch-model'], inputs: { prompt: 'Where is Lyon?', model: 'acme/tiny-model', _install_model_if_missing: 'true' } },
        { task_id: 'embed', type: 'embedding', inputs: { texts_json: '["alpha","beta"]', embedding_backend: 'ollama', embedding_model: 'nomic-embed-text' } },
        { task_id: 'search', type: 'retrieval', inputs: { query: 'lyon france', documents: 'Lyon is a city in France\nBerlin is in Germany', top_k: '1' } },
        { task_id: 'shell', type: 'tool_execution', inputs: { command: 'printf sandboxed' } },
        { task_id: 'report', type: 'aggregation', depends_on: ['generate', 'embed', 'search', 'shell'], inputs: { required_fields: 'text,vectors,documents,stdout' } },
      ],
    });
    const job = await controlPlane.controlPlane.waitForJob(job_id, { timeoutMs: 30_000 });
    const tasks = controlPlane.controlPlane.tasks(job_id);
    expect(tasks.map((t) => [t.task_id, t.status, t.error])).toEqual([
      ['fetch-model', 'Completed', ''],
      ['generate', 'Completed', ''],
      ['embed', 'Completed', ''],
      ['search', 'Completed', ''],
      ['shell', 'Completed', ''],
      ['report', 'Completed', ''],
    ]);
    expect(job.status).toBe('Completed');

    const read = async (task: string) => JSON.parse(await readFile(join(root.path, 'six', task, 'output.json'), 'utf8')) as Record<string, unknown>;
    expect(await read('fetch-model')).toMatchObject({ model: 'acme/tiny-model', source: 'huggingface', only_if_missing: true, model_installed_now: true, result: 'ok', model_path: join(root.path, 'models', 'acme', 'tiny-model') });
    expect(await readFile(join(root.path, 'models', 'acme', 'tiny-model', 'weights', 'part-1.bin'), 'utf8')).toBe('x'.repeat(4096));
    expect(await read('generate')).toMatchObject({ backend: 'ollama', text: 'Lyon is in France.', model: 'acme/tiny-model', model_installed_now: false });
    expect(await read('embed')).toMatchObject({ backend: 'ollama', model: 'nomic-embed-text', text_count: 2, dimension: 3 });
    expect(await read('search')).toMatchObject({ backend: 'local', top_k: 1, query: 'lyon france' });
    expect(await read('shell')).toMatchObject({ stdout: 'sandboxed', result: 'ok', sandboxed: true, _sandbox: { exit_code: 0 } });
    expect(await read('report')).toMatchObject({ source_count: 4 });

    // The exact requests the model server saw.
    expect(ollama.seen).toEqual(
      expect.arrayContaining([
        { path: '/api/generate', body: { model: 'acme/tiny-model', prompt: 'Where is Lyon?', stream: false } },
        { path: '/api/embed', body: { model: 'nomic-embed-text', input: ['alpha', 'beta'] } },
      ]),
    );
    // The token went to the hub, and nowhere in the logs.
    expect(hub.authorizations).toContain('Bearer hf_e2e_secret_token');
    expect(cli.stderr()).not.toContain('hf_e2e_secret_token');
    // The worker advertised its backend, and the downloaded model is in its inventory.
    const worker = controlPlane.controlPlane.worker('e2e-worker');
    expect(worker?.backends).toEqual(['ollama']);
    expect(worker?.models).toContain('acme/tiny-model');
  });
});
