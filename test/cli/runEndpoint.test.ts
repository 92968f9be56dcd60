import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkerCommand } from '../../cli/runCommand.js';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import type { WorkerHttpServer } from '../../runtime/httpServer.js';
import { eventually } from '../helpers/harness.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let artifactRoot = '';

async function controlPlane(): Promise<RunningControlPlane> {
  const server = await startControlPlaneServer({ port: 0 });
  cleanups.push(() => server.close());
  artifactRoot = await mkdtemp(join(tmpdir(), 'splai-run-endpoint-'));
  cleanups.push(() => rm(artifactRoot, { recursive: true, force: true }));
  return server;
}

const baseEnv = (url: string) => ({ SPLAI_CONTROL_PLANE_URL: url, SPLAI_LOG_FORMAT: 'json', SPLAI_SANDBOX: 'none', SPLAI_ARTIFACT_ROOT: artifactRoot });

describe('run: the HTTP endpoint', () => {
  it('starts before the worker, logs its URL, serves the probes and closes at exit', async () => {
    const cp = await controlPlane();
    let err = '';
    let server: WorkerHttpServer | undefined;
    const exit = runWorkerCommand([], {
      env: { ...baseEnv(cp.url), SPLAI_HTTP_ADDR: '127.0.0.1:0' },
      stderr: (text) => (err += text),
      handleSignals: false,
      onHttpServer: (s, worker) => {
        server = s;
        void eventually(() => worker.actor.getSnapshot().value === 'idle', 'registered').then(() => worker.shutdown('test'));
      },
    });
    await eventually(() => server !== undefined, 'server');
    expect(err).toContain(`"msg":"http endpoint listening at ${server!.url} (/healthz /readyz /status /metrics)"`);
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
    expect(await exit).toBe(0);
    await expect(fetch(`${server!.url}/healthz`)).rejects.toThrow();
  });

  it('fails to start, clearly and with exit code 1, when the address is taken', async () => {
    const cp = await controlPlane();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as { port: number }).port;
    let err = '';
    const code = await runWorkerCommand([], { env: { ...baseEnv(cp.url), SPLAI_HTTP_ADDR: `127.0.0.1:${port}` }, stderr: (text) => (err += text), handleSignals: false });
    expect(code).toBe(1);
    expect(err).toContain(`splai-worker: cannot listen on SPLAI_HTTP_ADDR 127.0.0.1:${port}: EADDRINUSE`);
  });

  it('listens nowhere with SPLAI_HTTP_ADDR=off', async () => {
    const cp = await controlPlane();
    let err = '';
    let served = false;
    const code = await runWorkerCommand([], {
      env: { ...baseEnv(cp.url), SPLAI_HTTP_ADDR: 'off' },
      stderr: (text) => (err += text),
      handleSignals: false,
      onHttpServer: () => (served = true),
      onWorker: (worker) => void eventually(() => worker.actor.getSnapshot().value === 'idle', 'registered').then(() => worker.shutdown('test')),
    });
    expect(code).toBe(0);
    expect(served).toBe(false);
    expect(err).not.toContain('http endpoint listening');
  });
});
