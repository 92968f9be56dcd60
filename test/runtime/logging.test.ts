import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import { createLogger, redact } from '../../runtime/logger.js';
import { eventually } from '../helpers/harness.js';
import { runCli, type Daemon } from '../helpers/runDaemon.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SECRETS = {
  SPLAI_API_TOKEN: 'tok-FAKE-api-token-7f3a9',
  HF_TOKEN: 'hf_FAKEhuggingfacetoken42',
  SPLAI_REMOTE_API_KEY: 'sk-FAKE-remote-key-1234',
  SPLAI_RETRIEVAL_API_KEY: 'rk-FAKE-retrieval-5678',
  SPLAI_MINIO_ACCESS_KEY: 'FAKEACCESSKEYMINIO',
  SPLAI_MINIO_SECRET_KEY: 'FAKE/minio/secret/key+abc',
};
const ACTORS = ['supervisor', 'registration', 'heartbeat', 'poller', 'task', 'reporter'];

describe('daemon logs', () => {
  it('writes JSON lines tagged by actor (job/task/attempt for tasks) and never prints a secret', async () => {
    const server: RunningControlPlane = await startControlPlaneServer({ port: 0, tokens: [SECRETS.SPLAI_API_TOKEN] });
    cleanups.push(() => server.close());
    const artifactRoot = await mkdtemp(join(tmpdir(), 'splai-logs-'));
    cleanups.push(() => rm(artifactRoot, { recursive: true, force: true }));

    const daemon: Daemon = runCli(['run'], {
      ...SECRETS,
      SPLAI_CONTROL_PLANE_URL: server.url,
      SPLAI_WORKER_ID: 'log-worker',
      SPLAI_ARTIFACT_ROOT: artifactRoot,
      SPLAI_LOG_LEVEL: 'debug',
      SPLAI_HTTP_ADDR: '127.0.0.1:0',
      SPLAI_POLL_MILLIS: '50',
      SPLAI_SANDBOX: 'none',
      // stderr is a pipe: `auto` must choose JSON lines.
      SPLAI_LOG_FORMAT: 'auto',
    });
    cleanups.push(async () => {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    });

    const cp = server.controlPlane;
    const { job_id } = cp.submitJob({ tasks: [{ task_id: 'good', type: 'aggregation', inputs: { items_json: '[{"a":1}]' } }] });
    // The bad task names a secret; the failure message and the fields quote it. A job of its
    // own: the gateway hands out no more tasks of a job once one of them failed.
    const bad = cp.submitJob({ tasks: [{ task_id: 'bad', type: `custom-${SECRETS.HF_TOKEN}`, inputs: {}, max_retries: 0 }] });
    await cp.waitForJob(job_id, { timeoutMs: 20_000 });
    await cp.waitForJob(bad.job_id, { timeoutMs: 20_000 });
    const url = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const look = () => {
        const match = /http endpoint listening at (http:\/\/[^ "]+)/.exec(daemon.stderr());
        if (match) resolve(match[1]!);
        else if (Date.now() > deadline) reject(new Error(`no endpoint line in:\n${daemon.stderr()}`));
        else setTimeout(look, 20);
      };
      look();
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await eventually(() => /"msg":"completed"/.test(daemon.stderr()) && /"msg":"failed: /.test(daemon.stderr()), 'task lines');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);

    const output = daemon.stderr() + daemon.stdout();
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');

    const lines = daemon.stderr().trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(typeof record['time']).toBe('string');
      expect(['debug', 'info', 'warn', 'error', 'log', 'trace']).toContain(record['level']);
      expect(ACTORS).toContain(record['actor']);
      expect(typeof record['msg']).toBe('string');
    }
    const actors = new Set(records.map((record) => record['actor']));
    for (const actor of ['supervisor', 'heartbeat', 'task']) expect(actors).toContain(actor);
    const taskLines = records.filter((record) => record['actor'] === 'task');
    expect(taskLines.length).toBeGreaterThan(1);
    for (const record of taskLines) expect(record).toMatchObject({ job_id: expect.stringMatching(new RegExp(`^(${job_id}|${bad.job_id})$`)), task_id: expect.any(String), attempt: expect.any(Number) });
    const failed = taskLines.find((record) => record['task_id'] === 'bad' && String(record['msg']).startsWith('failed'));
    expect(failed?.['msg']).toContain('[redacted]');
  });

  it('is readable on a TTY, JSON with SPLAI_LOG_FORMAT=json, and honours the level', () => {
    const lines: string[] = [];
    const pretty = createLogger({ level: 'info', format: 'auto', isTTY: true, write: (line) => lines.push(line), secrets: ['hunter22'] });
    pretty.withTag('heartbeat').warn('heartbeat failed: token hunter22 refused', { consecutive_failures: 2 });
    pretty.withTag('task').debug('not shown at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[heartbeat\] heartbeat failed: token \[redacted\] refused consecutive_failures=2\n$/);

    const json: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'json', isTTY: true, write: (line) => json.push(line) });
    logger.withTag('task').debug('running', { job_id: 'j', task_id: 't', attempt: 2 });
    expect(JSON.parse(json[0]!)).toMatchObject({ level: 'debug', actor: 'task', msg: 'running', job_id: 'j', task_id: 't', attempt: 2 });

    const silent: string[] = [];
    createLogger({ level: 'silent', format: 'json', write: (line) => silent.push(line) }).error('nothing');
    expect(silent).toEqual([]);
  });

  it('redacts every occurrence, and ignores values too short to be secrets', () => {
    expect(redact('a=s3cr3t b=s3cr3t', ['s3cr3t'])).toBe('a=[redacted] b=[redacted]');
    expect(redact('abc', ['ab'])).toBe('abc');
  });
});
