import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { runVerifyCommand } from '../../cli/verifyCommand.js';
import { runCli } from './runDaemon.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function controlPlane(tokens?: string[]): Promise<RunningControlPlane> {
  const server = await startControlPlaneServer({ port: 0, ...(tokens === undefined ? {} : { tokens }) });
  cleanups.push(() => server.close());
  return server;
}

async function verify(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runVerifyCommand(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {} });
  return { code, out, err };
}

/** The result column of a check in the printed table. */
const row = (out: string, check: string) => new RegExp(`^${check}\\s+(PASS|FAIL|SKIP)\\s+(.*)$`, 'm').exec(out)?.slice(1, 3);

describe('splai-worker verify', () => {
  it('passes every check against the development control plane, and registers the worker', async () => {
    const server = await controlPlane(['good-token']);
    const result = await verify(['--url', server.url, '--worker-id', 'verify-me', '--token', 'good-token']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^CHECK\s+RESULT\s+DETAIL$/m);
    for (const check of ['reachability', 'auth', 'registration', 'heartbeat']) expect(row(result.out, check)?.[0], check).toBe('PASS');
    expect(row(result.out, 'auth')?.[1]).toContain('token accepted');
    expect(result.out).toContain('all checks passed');
    expect(result.out).not.toContain('good-token');
    expect(server.controlPlane.worker('verify-me')).toBeDefined();
  });

  it('fails clearly, non-zero, on a wrong token or a missing one', async () => {
    const server = await controlPlane(['good-token']);
    const wrong = await verify(['--url', server.url, '--token', 'bad-token-123']);
    expect(wrong.code).toBe(1);
    expect(row(wrong.out, 'reachability')?.[0]).toBe('PASS');
    expect(row(wrong.out, 'auth')).toEqual(['FAIL', expect.stringContaining('HTTP 401: invalid token')]);
    expect(row(wrong.out, 'registration')?.[0]).toBe('SKIP');
    expect(row(wrong.out, 'heartbeat')?.[0]).toBe('SKIP');
    expect(wrong.out).toContain('FAILED: auth check did not pass');
    expect(wrong.out).not.toContain('bad-token-123');

    const missing = await verify(['--url', server.url]);
    expect(missing.code).toBe(1);
    expect(row(missing.out, 'auth')?.[1]).toMatch(/missing bearer token .*pass --token/);
  });

  it('fails on an unreachable URL and on a server that is not a control plane', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = await verify(['--url', `http://127.0.0.1:${closedPort}`, '--timeout-ms', '2000']);
    expect(refused.code).toBe(1);
    expect(row(refused.out, 'reachability')).toEqual(['FAIL', expect.stringContaining('ECONNREFUSED')]);
    expect(row(refused.out, 'auth')?.[0]).toBe('SKIP');

    const other: Server = createServer((_req, res) => res.writeHead(404).end('no such page'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => other.close(resolve)));
    const wrongService = await verify(['--url', `http://127.0.0.1:${(other.address() as AddressInfo).port}`]);
    expect(wrongService.code).toBe(1);
    expect(row(wrongService.out, 'reachability')?.[1]).toMatch(/HTTP 404.*is http:\/\/127\.0\.0\.1:\d+ the SPLAI api-gateway/);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await verify([])).code).toBe(2);
    expect((await verify(['--url', 'ftp://x'])).err).toContain('SPLAI_CONTROL_PLANE_URL');
    expect((await verify(['--url', 'http://x', '--bogus', '1'])).code).toBe(2);
  });

  it('runs as the real command and exits non-zero on failure', async () => {
    const server = await controlPlane(['good-token']);
    const pass = runCli(['verify', '--url', server.url, '--token', 'good-token'], {});
    expect(await pass.exited).toBe(0);
    const fail = runCli(['verify', '--url', server.url, '--token', 'nope-nope'], {});
    expect(await fail.exited).toBe(1);
    expect(fail.stdout()).toMatch(/^auth\s+FAIL/m);
  });
});
