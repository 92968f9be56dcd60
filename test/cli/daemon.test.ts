/**
 * The real CLI daemon (a child process) against the development control plane
 * on a real loopback HTTP port.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { spawnCli, tempDir, type CliProcess } from '../helpers/cli.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function controlPlane(options: Parameters<typeof startControlPlaneServer>[0] = {}): Promise<RunningControlPlane> {
  const server = await startControlPlaneServer({ port: 0, heartbeatIntervalSeconds: 1, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function daemon(url: string, env: Record<string, string> = {}): Promise<{ cli: CliProcess; root: string }> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const cli = spawnCli(['run'], {
    SPLAI_CONTROL_PLANE_URL: url,
    SPLAI_WORKER_ID: 'cli-worker',
    SPLAI_ARTIFACT_ROOT: dir.path,
    SPLAI_POLL_MILLIS: '100',
    SPLAI_HTTP_ADDR: 'off',
    ...env,
  });
  cleanups.push(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  });
  return { cli, root: dir.path };
}

describe('splai-worker run', () => {
  it('completes a multi-task DAG with dependencies; artifacts on disk have the parity fields', async () => {
    const server = await controlPlane();
    const { cli, root } = await daemon(server.url);
    const { job_id } = server.controlPlane.submitJob({
      job_id: 'dag',
      tasks: [
        { task_id: 'embed', type: 'embedding', inputs: { text: 'hello world', embedding_dimension: '8' } },
        { task_id: 'search', type: 'retrieval', inputs: { query: 'hello', documents: 'hello there\nsomething else' } },
        { task_id: 'noop', type: 'tool_execution', inputs: { op: 'lint' } },
        { task_id: 'merge', type: 'aggregation', depends_on: ['embed', 'search', 'noop'], inputs: { required_fields: 'backend,query' } },
      ],
    });
    const job = await server.controlPlane.waitForJob(job_id, { timeoutMs: 20_000 });
    expect(job.status).toBe('Completed');
    expect(job.result_artifact_uri).toBe('artifact://dag/merge/output.json');

    const read = async (task: string) => JSON.parse(await readFile(join(root, 'dag', task, 'output.json'), 'utf8')) as Record<string, unknown>;
    const embed = await read('embed');
    expect(embed).toMatchObject({ job_id: 'dag', task_id: 'embed', type: 'embedding', backend: 'local', model_version: 'local-hash-v1', dimension: 8, text_count: 1 });
    expect(embed['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((embed['vector'] as number[]).length).toBe(8);
    expect(await read('noop')).toMatchObject({ tool: 'lint', sandboxed: true, result: 'ok' });
    const merge = await read('merge');
    expect(merge).toMatchObject({ mode: 'structured_report', source_count: 3 });
    expect((merge['sources'] as { source_task_id: string }[]).map((s) => s.source_task_id)).toEqual(['embed', 'noop', 'search']);
    // The dependency order is Running before Completed for each task, with the reference keys.
    for (const task of server.controlPlane.tasks(job_id)) {
      expect(task.reports.map((r) => `${r.status} ${r.idempotency_key}`)).toEqual([
        `Running cli-worker:dag:${task.task_id}:1:running`,
        `Completed cli-worker:dag:${task.task_id}:1`,
      ]);
    }
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('exits 1 with a clear message when the control plane rejects the token', async () => {
    const server = await controlPlane({ tokens: ['right-token'] });
    const { cli } = await daemon(server.url, { SPLAI_API_TOKEN: 'wrong-token' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/worker failed: register: HTTP 401: invalid token/);
    expect(cli.stderr()).not.toContain('wrong-token');
  });

  it('exits 2 naming the variable when a setting is malformed', async () => {
    const { cli } = await daemon('http://127.0.0.1:9', { SPLAI_MAX_PARALLEL_TASKS: 'many' });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/invalid SPLAI_MAX_PARALLEL_TASKS: expected a whole number from 1 to 1024, got "many"/);
  });

  it('on SIGTERM lets the task in flight finish and report, then exits 0', async () => {
    const sandbox = detectSandboxLevel('auto');
    expect(sandbox.refusal, 'this test needs a sandbox (bubblewrap or unshare); CI installs bubblewrap').toBeUndefined();
    const server = await controlPlane();
    const { cli } = await daemon(server.url);
    const { job_id } = server.controlPlane.submitJob({ tasks: [{ task_id: 'slow', type: 'tool_execution', inputs: { command: 'sleep 1; echo done' } }] });
    await new Promise<void>((resolve) => {
      const off = server.controlPlane.onReport((report) => {
        if (report.status === 'Running') {
          off();
          resolve();
        }
      });
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const [task] = server.controlPlane.tasks(job_id);
    expect(task?.status).toBe('Completed');
    expect(task?.reports.map((r) => r.status)).toEqual(['Running', 'Completed']);
    expect(cli.stderr()).toMatch(/draining/);
  });
});
