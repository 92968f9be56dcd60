/**
 * The inspector as the daemon serves it: `splai-worker run --inspect` (a real
 * child process) prints the page's URL on stderr, serves page and stream on the
 * worker's HTTP endpoint, and `SPLAI_INSPECT=stately` serves the Stately bridge.
 * Off (the default), there is no inspector route at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import type { InspectorMessage } from '../../inspector/messages.js';
import { spawnCli, tempDir, type CliProcess } from '../helpers/cli.js';
import { openSse } from './sse.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = 'tok-CLI-FAKE-9d8c7b6a';

async function controlPlane(): Promise<RunningControlPlane> {
  const server = await startControlPlaneServer({ port: 0, heartbeatIntervalSeconds: 1 });
  cleanups.push(() => server.close());
  return server;
}

async function daemon(url: string, args: string[], env: Record<string, string> = {}): Promise<CliProcess> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const cli = spawnCli(['run', ...args], {
    SPLAI_CONTROL_PLANE_URL: url,
    SPLAI_WORKER_ID: 'inspected-cli-worker',
    SPLAI_ARTIFACT_ROOT: dir.path,
    SPLAI_POLL_MILLIS: '100',
    SPLAI_HTTP_ADDR: '127.0.0.1:0',
    SPLAI_API_TOKEN: TOKEN,
    ...env,
  });
  cleanups.push(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  });
  return cli;
}

/** The URL printed as `splai-worker: inspector (<mode>) at <url>`. */
async function inspectorUrl(cli: CliProcess): Promise<string> {
  await cli.waitFor(/inspector \(\w+\) at http:\/\/\S+/);
  return /inspector \(\w+\) at (http:\/\/\S+)/.exec(cli.stderr())![1]!;
}

describe('splai-worker run --inspect', () => {
  it('serves the built-in page and a live stream on a loopback port, printed on stderr', async () => {
    const server = await controlPlane();
    const cli = await daemon(server.url, ['--inspect']);
    const url = await inspectorUrl(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/inspect$/);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<script src="/inspect/app.js">');

    const stream = await openSse(`${url}/events`);
    cleanups.push(async () => stream.close());
    const { job_id } = server.controlPlane.submitJob({ tasks: [{ task_id: 'cli-merge', type: 'aggregation', inputs: { items_json: '[{"title":"t"}]' } }] });
    await server.controlPlane.waitForJob(job_id, { timeoutMs: 15_000 });
    await stream.until((messages) => (messages as InspectorMessage[]).some((m) => m.kind === 'task' && m.task.taskId === 'cli-merge' && m.task.status === 'Completed'));
    const init = stream.messages[0] as InspectorMessage;
    expect(init.kind).toBe('init');
    expect(stream.raw()).not.toContain(TOKEN);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('SPLAI_INSPECT=stately serves the bridge to the hosted Stately UI, fed by @statelyai/inspect events', async () => {
    const server = await controlPlane();
    const cli = await daemon(server.url, [], { SPLAI_INSPECT: 'stately' });
    const url = await inspectorUrl(cli);
    expect(url).toMatch(/\/inspect\/stately$/);
    const bridge = await (await fetch(url)).text();
    expect(bridge).toContain('src="https://stately.ai/inspect"');

    const stream = await openSse(`${url}/events`);
    cleanups.push(async () => stream.close());
    await stream.until((messages) => messages.some((m) => (m as { type?: string; name?: string }).type === '@xstate.actor' && (m as { name?: string }).name === 'supervisor'));
    const actor = stream.messages.find((m) => (m as { type?: string }).type === '@xstate.actor') as { _version?: string; definition?: string };
    expect(actor._version).toBeTypeOf('string');
    expect(JSON.parse(actor.definition!)).toMatchObject({ id: 'supervisor' });
    expect(stream.raw()).not.toContain(TOKEN);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('has no inspector when off (the default)', async () => {
    const server = await controlPlane();
    const cli = await daemon(server.url, []);
    await cli.waitFor(/http endpoint listening at http:\/\/127\.0\.0\.1:\d+/);
    const base = /http endpoint listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.stderr())![1]!;
    expect((await fetch(`${base}/inspect`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(cli.stderr()).not.toContain('inspector (');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
