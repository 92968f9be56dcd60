/**
 * Start-up time and idle memory of the real daemon: `splai-worker run` in a
 * child process (the built CLI, or the sources through tsx in the smoke test),
 * pointed at the bench's control plane.
 *
 * - start-up: from just before spawn to the control plane seeing the register
 *   request (the process, the imports, config, the pool, the first request).
 * - idle RSS: VmRSS of the process after it has been registered and idle for a
 *   while (heartbeats and empty polls going on, pool threads started).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { moduleArgs, projectRoot } from './launch.js';
import type { Timeline } from './timeline.js';

export interface CliProbe {
  readonly startupMs: number;
  readonly rssMb: number;
}

/** Resident set size of a process in MiB, from /proc. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

export async function probeCli(options: {
  readonly timeline: Timeline;
  readonly url: string;
  readonly workerId: string;
  readonly artifactRoot: string;
  readonly idleMillis: number;
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<CliProbe> {
  const { file, execArgv } = moduleArgs('cli/main');
  const fd = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = spawn(process.execPath, [...execArgv, file, 'run'], {
    cwd: projectRoot,
    stdio: ['ignore', fd, fd],
    env: {
      ...(options.env ?? process.env),
      SPLAI_CONTROL_PLANE_URL: options.url,
      SPLAI_WORKER_ID: options.workerId,
      SPLAI_MAX_PARALLEL_TASKS: '2',
      SPLAI_ARTIFACT_ROOT: options.artifactRoot,
      // The operations endpoint stays on (it is part of an idle worker), on a free port.
      SPLAI_HTTP_ADDR: '127.0.0.1:0',
    },
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const registeredAt = await Promise.race([
      options.timeline.registration(options.workerId, 60_000),
      exited.then((code) => Promise.reject(new Error(`splai-worker run exited with ${code} before registering (see ${options.logFile})`))),
    ]);
    await sleep(options.idleMillis);
    if (child.pid === undefined) throw new Error('no pid');
    return { startupMs: registeredAt - started, rssMb: rssOf(child.pid) };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
