import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { runVerifyCommand } from '../../cli/verifyCommand.js';
import type { TokenSpec } from '../../control-plane/auth.js';
import { runCli } from '../helpers/runDaemon.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function controlPlane(tokens?: TokenSpec[]): Promise<RunningControlPlane> {
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
const row = (out: string, check: string) => new RegExp(`^${check}\\s+(PASS|WARN|FAIL|SKIP)\\s+(.*)$`, 'm').exec(out)?.slice(1, 3);

describe('splai-worker verify', () => {
  it('passes every check against the development control plane, registering a probe and never the worker id itself', async () => {
    const server = await controlPlane(['good-token']);
    // A worker with this id is running: its registration must survive the verify.
    server.controlPlane.register({ worker_id: 'verify-me', cpu: 12, models: ['llama3-8b-q4'], tools: ['bash'], backends: ['ollama'] });
    const result = await verify(['--url', server.url, '--worker-id', 'verify-me', '--token', 'good-token']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^CHECK\s+RESULT\s+DETAIL$/m);
    for (const check of ['reachability', 'token', 'registration', 'heartbeat']) expect(row(result.out, check)?.[0], check).toBe('PASS');
    expect(row(result.out, 'token')?.[1]).toContain('token known, with the metrics or operator scope');
    expect(row(result.out, 'registration')?.[1]).toMatch(/registered the probe verify-me-verify, not verify-me \(cpu \d+: the gateway allows \d+ tasks at once/);
    expect(result.out).toContain('all checks passed');
    expect(result.out).not.toContain('good-token');
    expect(server.controlPlane.worker('verify-me')).toMatchObject({ models: ['llama3-8b-q4'], tools: ['bash'], backends: ['ollama'], health: 'healthy' });
    // The probe is never chosen for work: the gateway leaves unhealthy workers out.
    expect(server.controlPlane.worker('verify-me-verify')?.health).toBe('unhealthy');
  });

  it('says WARN, not PASS, for a token it can only half check: known, but whether it may report is unknowable before a report', async () => {
    const server = await controlPlane([{ token: 'reporter', scopes: ['task:report'] }]);
    const result = await verify(['--url', server.url, '--worker-id', 'w', '--token', 'reporter']);
    expect(result.code).toBe(0);
    expect(row(result.out, 'token')).toEqual(['WARN', expect.stringContaining('whether it may report (task:report, or the tenant of each job) shows only at the first report')]);
    expect(result.out).toContain('no check failed; not fully checked: token');
  });

  it('fails clearly, non-zero, on a wrong token or a missing one', async () => {
    const server = await controlPlane(['good-token']);
    const wrong = await verify(['--url', server.url, '--token', 'bad-token-123']);
    expect(wrong.code).toBe(1);
    expect(row(wrong.out, 'reachability')?.[0]).toBe('PASS');
    expect(row(wrong.out, 'token')).toEqual(['FAIL', expect.stringContaining('HTTP 401: invalid token (the gateway does not know this token')]);
    expect(row(wrong.out, 'registration')?.[0]).toBe('SKIP');
    expect(row(wrong.out, 'heartbeat')?.[0]).toBe('SKIP');
    expect(wrong.out).toContain('FAILED: token check did not pass');
    expect(wrong.out).not.toContain('bad-token-123');

    const missing = await verify(['--url', server.url]);
    expect(missing.code).toBe(1);
    expect(row(missing.out, 'token')?.[1]).toMatch(/missing bearer token .*pass --token/);
  });

  it('passes the token check when the control plane checks no tokens', async () => {
    const server = await controlPlane();
    const result = await verify(['--url', server.url, '--worker-id', 'w']);
    expect(result.code).toBe(0);
    expect(row(result.out, 'token')).toEqual(['PASS', 'the control plane checks no tokens']);
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
    expect(row(refused.out, 'token')?.[0]).toBe('SKIP');

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
    expect(fail.stdout()).toMatch(/^token\s+FAIL/m);
  });
});
