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

async function daemon(url: string, env: Record<string, string> = {}, root?: string): Promise<{ cli: CliProcess; root: string }> {
  let path = root;
  if (path === undefined) {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    path = dir.path;
  }
  const cli = spawnCli(['run'], {
    SPLAI_CONTROL_PLANE_URL: url,
    SPLAI_WORKER_ID: 'cli-worker',
    SPLAI_ARTIFACT_ROOT: path,
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
  return { cli, root: path };
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

  it('a refused token: takes no more work, runs nothing it could not report, says unhealthy, exits 1 naming SPLAI_API_TOKEN', async () => {
    const server = await controlPlane({ tokens: ['right-token'] });
    // The gateway reads the token only on reports: the worker registers, polls and is handed work.
    const { job_id } = server.controlPlane.submitJob({ tasks: [{ task_id: 'a', type: 'tool_execution', inputs: { command: 'echo ran' } }, { task_id: 'b', type: 'aggregation', inputs: { items_json: '[{"x":1}]' } }] });
    const { cli } = await daemon(server.url, { SPLAI_API_TOKEN: 'wrong-token' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/worker failed: the control plane refused SPLAI_API_TOKEN \(report: HTTP 401: invalid token\); no new work is taken/);
    expect(cli.stderr() + cli.stdout()).not.toContain('wrong-token');
    // No report got through and no task ran; the scheduler is told not to choose this worker.
    expect(server.controlPlane.tasks(job_id).flatMap((t) => t.reports)).toEqual([]);
    expect(server.controlPlane.worker('cli-worker')?.health).toBe('unhealthy');
  });

  it('a token revoked mid-run: the kept report is delivered after a restart with a good token, the job completes, each task runs once', async () => {
    // A short lease, so the restarted worker does not wait long for the leases its first run held.
    const server = await controlPlane({ tokens: ['old-token'], leaseMs: 2000 });
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const env = { SPLAI_LEASE_SECONDS: '2', SPLAI_MAX_PARALLEL_TASKS: '2' };
    const { job_id } = server.controlPlane.submitJob({ job_id: 'rotate', tasks: [{ task_id: 'slow', type: 'tool_execution', inputs: { command: 'sleep 3; echo slow-done' } }] });
    const first = await daemon(server.url, { ...env, SPLAI_API_TOKEN: 'old-token' }, dir.path);
    await new Promise<void>((resolve) => {
      const off = server.controlPlane.onReport((report, outcome) => {
        if (report.task_id === 'slow' && report.status === 'Running' && outcome === 'accepted') {
          off();
          resolve();
        }
      });
    });
    // The operator rotates the gateway's tokens while 'slow' runs; a new task arrives.
    server.controlPlane.setTokens(['new-token']);
    server.controlPlane.submitJob({ job_id: 'rotate-2', tasks: [{ task_id: 'later', type: 'aggregation', inputs: { items_json: '[{"y":2}]' } }] });
    expect(await first.cli.exited).toBe(1);
    expect(first.cli.stderr()).toMatch(/refused SPLAI_API_TOKEN \(report: HTTP 401: invalid token\).*stay in .*outbox/);
    // 'slow' finished during the drain; its Completed report waits in the outbox.
    expect(server.controlPlane.task(job_id, 'slow').status).toBe('Running');

    const second = await daemon(server.url, { ...env, SPLAI_API_TOKEN: 'new-token' }, dir.path);
    expect((await server.controlPlane.waitForJob(job_id, { timeoutMs: 20_000 })).status).toBe('Completed');
    expect((await server.controlPlane.waitForJob('rotate-2', { timeoutMs: 20_000 })).status).toBe('Completed');
    const slow = server.controlPlane.task(job_id, 'slow');
    expect(slow.reports.map((r) => `${r.status}#${r.attempt}`)).toEqual(['Running#1', 'Completed#1']);
    // 'later' was handed to the first run, whose Running report was refused: it ran once, in the second run.
    const later = server.controlPlane.task('rotate-2', 'later');
    expect(later.reports.filter((r) => r.status === 'Running')).toHaveLength(1);
    expect(later.reports.at(-1)).toMatchObject({ status: 'Completed', attempt: 2 });
    second.cli.child.kill('SIGTERM');
    expect(await second.cli.exited).toBe(0);
  }, 40_000);

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
