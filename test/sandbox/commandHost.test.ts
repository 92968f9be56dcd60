/**
 * The command host (sandbox/commandHost.ts): sandboxed commands are launched by
 * a small process of their own instead of the worker, with the same results and
 * the same guarantee that nothing outlives the task, the thread or the worker.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskPool } from '../../actors/taskPool.js';
import { resolveConfig } from '../../config/load.js';
import type { Assignment } from '../../protocol/schemas.js';
import { CommandHostClient } from '../../sandbox/commandHostClient.js';
import { jsonLine } from '../../sandbox/commandHostProtocol.js';
import { CommandHostProcess } from '../../sandbox/commandHostProcess.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';
import { resolveLimits } from '../../sandbox/limits.js';
import { eventually, processesMatching, requireLevel, tempDirs, uniqueSeconds } from './sandboxKit.js';

const dirs = tempDirs();
/** The host's entry when the worker runs from sources, as it appears in the host's command line. */
const HOST_ENTRY = 'sandbox/commandHost.dev.mjs';
const hosts: CommandHostProcess[] = [];
const pools: TaskPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
  dirs.cleanup();
});
beforeEach(() => requireLevel('bwrap'));

function host(): CommandHostProcess {
  const h = new CommandHostProcess();
  hosts.push(h);
  return h;
}

const support = () => detectSandboxLevel('bwrap');
const limits = () => resolveLimits(resolveConfig({}), {});
const runOptions = (command: string, signal = new AbortController().signal, onSpawn?: (pid: number) => void) => ({
  command,
  workDir: dirs.make(),
  support: support(),
  limits: limits(),
  signal,
  ...(onSpawn === undefined ? {} : { onSpawn }),
});

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/**
 * The command itself runs (its own `sleep` process, inside the sandbox), not just
 * its launcher: bwrap arms its child's parent-death signal only after its
 * clone(), so a launcher killed before that leaves the command behind (the pool
 * then kills the launcher's process group; these tests have no pool).
 */
const commandRunning = (seconds: number): boolean =>
  processesMatching(`sleep ${seconds}`).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(`sleep\0${seconds}`));

/** Command hosts started by this test process (other test files run theirs in parallel). */
const ourHosts = (): number[] =>
  processesMatching(HOST_ENTRY).filter((pid) => {
    try {
      return parentOf(pid) === process.pid;
    } catch {
      return false; // exited while we looked
    }
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the command host', () => {
  it('runs a command with the same result as runSandboxed, launched by the host rather than by the caller', async () => {
    const h = host();
    const client = new CommandHostClient(await h.socketPath());
    const spawned: number[] = [];
    const parents: number[] = [];
    const result = await client.run(runOptions('echo out; echo err >&2; exit 3', undefined, (pid) => {
      spawned.push(pid);
      try {
        parents.push(parentOf(pid));
      } catch {
        // already exited
      }
    }));
    expect(result).toMatchObject({ level: 'bwrap', exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, aborted: false, leftovers: 0 });
    expect(spawned).toHaveLength(1);
    for (const parent of parents) expect(parent).toBe(await h.pid());
  });

  it('kills the command when the run is aborted', async () => {
    const seconds = uniqueSeconds();
    const client = new CommandHostClient(await host().socketPath());
    const controller = new AbortController();
    const running = client.run(runOptions(`sleep ${seconds}`, controller.signal));
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length > 0, 10_000)).toBe(true);
    controller.abort(new Error('drain deadline'));
    expect(await running).toMatchObject({ aborted: true, leftovers: 0 });
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });

  it('kills the commands of a connection that closes (a terminated task thread)', async () => {
    const seconds = uniqueSeconds();
    const socket = connect(await host().socketPath());
    const { signal: _signal, ...request } = runOptions(`sleep ${seconds}`);
    socket.write(jsonLine({ id: 1, run: request }));
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length > 0, 10_000)).toBe(true);
    socket.destroy();
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 0)).toBe(true);
  });

  it('fails pending runs with a clear error when the host dies, and the next use starts a new host', async () => {
    const seconds = uniqueSeconds();
    const h = host();
    const client = new CommandHostClient(await h.socketPath());
    const running = client.run(runOptions(`sleep ${seconds}`));
    expect(await eventually(() => commandRunning(seconds), 10_000)).toBe(true);
    const first = (await h.pid())!;
    process.kill(first, 'SIGKILL');
    await expect(running).rejects.toThrow('the sandbox command host exited');
    // Its command dies with it (parent-death signal), and a new host takes over.
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 0)).toBe(true);
    // The host's exit reaches the worker a moment after its socket closed.
    for (let i = 0; i < 200 && (await h.pid()) === first; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const again = new CommandHostClient(await h.socketPath());
    expect(await h.pid()).not.toBe(first);
    expect(await again.run(runOptions('echo again'))).toMatchObject({ exitCode: 0, stdout: 'again\n' });
  });

  it('exits, killing its commands, when the worker that started it is killed', async () => {
    const seconds = uniqueSeconds();
    const moduleUrl = new URL('../../sandbox/commandHostProcess.ts', import.meta.url).href;
    const clientUrl = new URL('../../sandbox/commandHostClient.ts', import.meta.url).href;
    const script = `
      const { CommandHostProcess } = await import(${JSON.stringify(moduleUrl)});
      const { CommandHostClient } = await import(${JSON.stringify(clientUrl)});
      const host = new CommandHostProcess();
      const client = new CommandHostClient(await host.socketPath());
      void client.run({ ...JSON.parse(process.argv[1]), signal: new AbortController().signal });
      setInterval(() => undefined, 1000);
      process.stdout.write(String(await host.pid()) + '\\n');`;
    const { signal: _signal, ...request } = runOptions(`sleep ${seconds}`);
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hostPid = Number(await new Promise<string>((resolve) => worker.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    expect(await eventually(() => commandRunning(seconds), 10_000)).toBe(true);
    worker.kill('SIGKILL');
    expect(await eventually(() => !alive(hostPid) && processesMatching(`sleep ${seconds}`).length === 0, 10_000)).toBe(true);
  });

  it('drops a connection that sends a line that is not JSON, and keeps serving the others', async () => {
    const h = host();
    const path = await h.socketPath();
    const first = await h.pid();
    const broken = connect(path);
    const closed = new Promise<void>((resolve) => broken.once('close', () => resolve()));
    broken.write('not json\n');
    await closed;
    expect(await new CommandHostClient(path).run(runOptions('echo still-here'))).toMatchObject({ exitCode: 0, stdout: 'still-here\n' });
    expect(await h.pid()).toBe(first);
  });

  it('fails a run, rather than its thread, when the host answers with a broken line', async () => {
    const dir = dirs.make();
    const path = join(dir, 'fake.sock');
    const fake = createServer((socket) => socket.once('data', () => socket.write('{"id":1,"resu\nlt"\n')));
    await new Promise<void>((resolve) => fake.listen(path, resolve));
    try {
      await expect(new CommandHostClient(path).run(runOptions('true'))).rejects.toThrow('the sandbox command host exited');
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('does not pass the worker environment (secrets) on to the host', async () => {
    process.env['SPLAI_API_TOKEN'] = 'host-env-secret-4711';
    try {
      const h = host();
      await h.socketPath();
      const environ = readFileSync(`/proc/${await h.pid()}/environ`, 'utf8');
      expect(environ).toContain('PATH=');
      expect(environ).not.toContain('host-env-secret-4711');
    } finally {
      delete process.env['SPLAI_API_TOKEN'];
    }
  });
});

describe('the task pool', () => {
  const task = (command: string): Assignment => ({ job_id: 'job-host', task_id: 'task-host', type: 'tool_execution', inputs: { command }, attempt: 0, lease_id: '' });

  it('launches tool_execution commands from its command host, and stops the host with the pool', async () => {
    const seconds = uniqueSeconds();
    const pool = new TaskPool(resolveConfig({ artifactRoot: dirs.make(), maxParallelTasks: 1, sandbox: 'bwrap' }));
    pools.push(pool);
    const running = pool.run(task(`sleep ${seconds}`));
    // Destroying the pool below terminates the thread: the run rejects.
    const settled = running.catch(() => undefined);
    expect(await eventually(() => commandRunning(seconds), 10_000)).toBe(true);
    const hostPids = ourHosts();
    expect(hostPids).toHaveLength(1);
    // The launcher (setpriv, then the shell, then bwrap: one process exec'ing in
    // turn) is the host's child; nothing of the command is the worker's.
    const parents = processesMatching(`sleep ${seconds}`).map(parentOf);
    expect(parents).toContain(hostPids[0]);
    expect(parents).not.toContain(process.pid);
    const stopping = pool.destroy();
    pools.splice(0);
    await stopping;
    await settled;
    expect(await eventually(() => !alive(hostPids[0]!) && processesMatching(`sleep ${seconds}`).length === 0)).toBe(true);
  });

  it('launches from the thread when asked not to use a host', async () => {
    const pool = new TaskPool(resolveConfig({ artifactRoot: dirs.make(), maxParallelTasks: 1, sandbox: 'bwrap' }), { commandHost: false });
    pools.push(pool);
    const result = await pool.run(task('echo from-thread'));
    expect(result).toMatchObject({ ok: true });
    expect(ourHosts()).toEqual([]);
  });
});


describe('when the command host cannot start', () => {
  it('runs the command from the task thread and says why in a warning', async () => {
    const logs: string[] = [];
    const pool = new TaskPool(resolveConfig({ artifactRoot: dirs.make(), maxParallelTasks: 1, sandbox: 'bwrap' }), { onLog: (message) => logs.push(`${message.level}: ${message.message}`) });
    pools.push(pool);
    const saved = process.env['TMPDIR'];
    // The host's private directory goes in TMPDIR: one that does not exist makes the start fail.
    process.env['TMPDIR'] = join(dirs.make(), 'missing');
    let result;
    try {
      result = await pool.run({ job_id: 'job-nohost', task_id: 'task-nohost', type: 'tool_execution', inputs: { command: 'echo still-ran' }, attempt: 0, lease_id: '' });
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
    expect(result).toMatchObject({ ok: true });
    expect(logs).toEqual([expect.stringMatching(/^warn: could not start the sandbox command host: .*mkdtemp.*; the task thread launches the command itself$/)]);
    expect(ourHosts()).toEqual([]);
  });
});
