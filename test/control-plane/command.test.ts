/**
 * `splai-worker control-plane`: flags, help, serving, and stopping on SIGTERM
 * (in a real child process, since signals are process-wide).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runControlPlaneCommand } from '../../control-plane/command.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) } };
}

describe('control-plane command', () => {
  it('--help prints usage and exits 0', async () => {
    const c = capture();
    expect(await runControlPlaneCommand(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('Usage: splai-worker control-plane');
    expect(c.out.join('\n')).toContain('--lease-seconds');
  });

  it.each([
    [['--port', 'abc'], '--port'],
    [['--port', '70000'], '--port'],
    [['--lease-seconds', '0'], '--lease-seconds'],
    [['--heartbeat-seconds', '-1'], '--heartbeat-seconds'],
    [['--max-retries', '1.5'], '--max-retries'],
    [['--stale-refs', 'maybe'], '--stale-refs'],
    [['--model', ' '], '--model'],
    [['--bogus'], 'bogus'],
  ])('%j exits 2 with a message naming the flag', async (argv, flag) => {
    const c = capture();
    expect(await runControlPlaneCommand(argv, c.io)).toBe(2);
    expect(c.err.join('\n')).toContain(flag);
  });

  it('serves with the given settings until stopped, then exits 0', async () => {
    const c = capture();
    const stop = new AbortController();
    let url = '';
    const done = runControlPlaneCommand(['--port', '0', '--token', 'secret', '--heartbeat-seconds', '2', '--lease-seconds', '30', '--max-retries', '2', '--model', 'tiny'], {
      ...c.io,
      signal: stop.signal,
      onListening: (u) => (url = u),
    });
    await expect.poll(() => url, { timeout: 5000 }).not.toBe('');
    expect(c.out[0]).toBe(`SPLAI development control plane listening on ${url}`);
    // As on the gateway, register takes no token; the job endpoints do.
    const res = await fetch(`${url}/v1/workers/register`, { method: 'POST', body: '{"worker_id":"w"}' });
    expect(await res.json()).toEqual({ accepted: true, heartbeat_interval_seconds: 2 });
    const job = JSON.stringify({ tasks: [{ task_id: 't', type: 'x' }] });
    expect((await fetch(`${url}/v1/jobs`, { method: 'POST', body: job })).status).toBe(401);
    const submitted = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'x-splai-token': 'secret' }, body: job });
    const { job_id } = (await submitted.json()) as { job_id: string };
    const tasks = await fetch(`${url}/v1/jobs/${job_id}/tasks`, { headers: { authorization: 'Bearer secret' } });
    expect(((await tasks.json()) as { tasks: Array<{ max_retries: number; inputs: Record<string, string> }> }).tasks[0]).toMatchObject({ max_retries: 2, inputs: { model: 'tiny' } });
    stop.abort();
    expect(await done).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('exits 1 when the port is taken', async () => {
    const first = capture();
    const stop = new AbortController();
    let url = '';
    const running = runControlPlaneCommand(['--port', '0'], { ...first.io, signal: stop.signal, onListening: (u) => (url = u) });
    await expect.poll(() => url, { timeout: 5000 }).not.toBe('');
    const second = capture();
    expect(await runControlPlaneCommand(['--port', new URL(url).port], second.io)).toBe(1);
    expect(second.err.join('\n')).toContain('cannot listen');
    stop.abort();
    expect(await running).toBe(0);
  });

  it('stops on SIGTERM with exit code 0 (real process)', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const script =
      "import { runControlPlaneCommand } from './control-plane/command.ts';" +
      'process.exitCode = await runControlPlaneCommand(process.argv.slice(1));';
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await expect.poll(() => /listening on (http:\S+)/.exec(output)?.[1], { timeout: 15_000 }).toBeDefined();
      const url = /listening on (http:\S+)/.exec(output)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('control plane stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
