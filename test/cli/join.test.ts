import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJoinCommand, type JoinIo } from '../../cli/joinCommand.js';
import { loadConfig } from '../../config/load.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splai-join-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function join_(args: string[], io: JoinIo = {}) {
  let out = '';
  let err = '';
  const code = await runJoinCommand(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), hasSystemd: false, ...io });
  return { code, out, err };
}

/** Parse KEY=value lines as systemd's EnvironmentFile does (comments skipped). */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

describe('splai-worker join', () => {
  it('writes an env file the daemon accepts (0600 with a token) and prints a systemd unit', async () => {
    const envFile = join(dir, 'etc', 'splai-worker.env');
    const result = await join_(['--url', 'http://gateway:8080/', '--worker-id', 'gpu-box-1', '--token', 'tok-123456', '--env-file', envFile]);
    expect(result.code).toBe(0);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const env = parseEnvFile(await readFile(envFile, 'utf8'));
    expect(env).toEqual({ SPLAI_CONTROL_PLANE_URL: 'http://gateway:8080', SPLAI_WORKER_ID: 'gpu-box-1', SPLAI_API_TOKEN: 'tok-123456' });
    expect(loadConfig({ env })).toMatchObject({ controlPlaneUrl: 'http://gateway:8080', workerId: 'gpu-box-1', apiToken: 'tok-123456' });

    expect(result.out).toContain(`wrote ${envFile} (mode 0600: it holds the token)`);
    expect(result.out).toContain('[Service]');
    expect(result.out).toContain(`EnvironmentFile=-${envFile}`);
    expect(result.out).toMatch(/^ExecStart=\/\S+ \/\S+\/cli\/main\.js run$/m);
    expect(result.out).toContain('NoNewPrivileges=yes');
    expect(result.out).toContain('systemctl enable --now splai-worker');
    expect(result.out).toContain('splai-worker verify --url http://gateway:8080 --worker-id gpu-box-1');
    // The token is in the 0600 file only, never on the terminal.
    expect(result.out).not.toContain('tok-123456');
  });

  it('writes a world-readable file without a token, and refuses to overwrite without --force', async () => {
    const envFile = join(dir, 'w.env');
    expect((await join_(['--url', 'http://gw:8080', '--env-file', envFile])).code).toBe(0);
    expect((await stat(envFile)).mode & 0o777).toBe(0o644);
    const again = await join_(['--url', 'http://gw:9090', '--env-file', envFile]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('pass --force');
    expect(parseEnvFile(await readFile(envFile, 'utf8'))['SPLAI_CONTROL_PLANE_URL']).toBe('http://gw:8080');
    await writeFile(envFile, 'old', { mode: 0o644 });
    expect((await join_(['--url', 'http://gw:9090', '--token', 'secret-9', '--env-file', envFile, '--force'])).code).toBe(0);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
  });

  it('installs the unit and enables the service with --install', async () => {
    const calls: string[] = [];
    const result = await join_(['--url', 'http://gw:8080', '--env-file', join(dir, 'w.env'), '--unit-dir', join(dir, 'units'), '--install'], {
      hasSystemd: true,
      systemctl: (args) => (calls.push(args.join(' ')), 0),
    });
    expect(result.code).toBe(0);
    expect(calls).toEqual(['daemon-reload', 'enable --now splai-worker']);
    const unit = await readFile(join(dir, 'units', 'splai-worker.service'), 'utf8');
    expect(unit).toContain(`EnvironmentFile=-${join(dir, 'w.env')}`);
    expect(result.out).toContain('enabled and started');
  });

  it('rejects bad input with exit code 2', async () => {
    expect((await join_([])).code).toBe(2);
    expect((await join_(['--url', 'not-a-url', '--env-file', join(dir, 'x')])).err).toContain('SPLAI_CONTROL_PLANE_URL');
    expect((await join_(['--url', 'http://gw', '--worker-id', 'has space', '--env-file', join(dir, 'x')])).code).toBe(2);
  });
});
