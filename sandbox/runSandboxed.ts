/**
 * Run one shell command in the sandbox and reap it: isolation (bwrap/unshare),
 * limits (prlimit + cgroups), capped capture, wall-clock timeout and abort, and
 * the guarantee that no process the command started outlives the call.
 *
 * Kill order on timeout/abort: SIGTERM to the launcher's process group and to
 * every process in the sandbox's PID namespace, SIGKILL to all of them after
 * `graceMillis`. When the launcher has exited, whatever is left in the
 * namespace or the cgroups is SIGKILLed until nothing remains.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CappedCapture } from './CappedCapture.js';
import { CgroupPool } from './cgroupPool.js';
import { groupOwner, sweepStaleCgroups } from './cgroups.js';
import type { SandboxLevel, SandboxSupport } from './detectSandboxLevel.js';
import type { SandboxLimits } from './limits.js';
import { pidNamespaceOf, processesInNamespace, signalNamespace } from './pidNamespace.js';
import { commandEnv } from './systemView.js';
import { extraStdio, launcherArgv } from './launcher.js';

export interface SandboxRunOptions {
  /** Run as `/bin/sh -c <command>`. */
  readonly command: string;
  /** The private writable working dir (must exist). */
  readonly workDir: string;
  readonly support: SandboxSupport;
  readonly limits: SandboxLimits;
  readonly signal: AbortSignal;
  /** Called with the launcher's pid (also its process group) right after spawn. */
  readonly onSpawn?: (pid: number) => void;
  /** SIGTERM -> SIGKILL grace. */
  readonly graceMillis?: number;
}

export interface SandboxResult {
  readonly level: SandboxLevel;
  /** Exit code, or null when the launcher was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly processLimitHit: boolean;
  readonly memoryLimitHit: boolean;
  /** Processes that could not be killed in time (0 unless the kernel is stuck). */
  readonly leftovers: number;
}

let rootMountDir: string | undefined;

/**
 * The mount point of the unshare level's new root. Each command mounts its own
 * tmpfs there, inside its private mount namespace, so one empty directory
 * serves every run of this thread: no per-run directory that a thread
 * terminated mid-run would leave behind. mkdtemp: fresh, 0700, never a
 * pre-planted symlink. Named after the worker, so the next worker removes it.
 */
function unshareRootMount(): string {
  if (rootMountDir === undefined) {
    // Those of workers that are gone; a live worker's may be in use as a mount point.
    for (const name of readdirSync(tmpdir())) {
      const owner = /^splai-root-(\d+)-/.exec(name)?.[1];
      if (owner === undefined || existsSync(`/proc/${owner}`)) continue;
      try {
        rmdirSync(join(tmpdir(), name));
      } catch {
        // not empty or not ours: leave it
      }
    }
    rootMountDir = mkdtempSync(join(tmpdir(), `splai-root-${groupOwner()}-`));
  }
  return rootMountDir;
}

/** The worker's own PID namespace, read once. */
let ownNamespace: string | undefined;

/** This thread's groups in use: pooled, running or being removed (each thread has its own copy of this module). */
const activeGroups = new Set<string>();

/** This thread's command groups, reused once empty. */
const cgroupPool = new CgroupPool(activeGroups);
// On a normal exit of the worker or of this thread: nothing else would remove
// the idle groups before the next worker's sweep. (A terminated thread's stay
// until then, like a group whose run was cut short.)
process.once('exit', () => cgroupPool.removeIdle());

/**
 * How often this thread looks for stale groups; its first run always does.
 * Listing a cgroup parent costs ~0.5 ms of the thread's time on cgroup v1
 * (every group is a directory of control files), and what the sweep finds
 * does not appear once per command: groups of workers that died, and groups of
 * this thread whose removal gave up after a minute (CommandCgroups.removeEventually).
 */
const SWEEP_INTERVAL_MILLIS = 30_000;
let lastSweep = -Infinity;

/** Run `options.command` sandboxed; resolves when it and everything it started are gone. */
export async function runSandboxed(options: SandboxRunOptions): Promise<SandboxResult> {
  const { support, limits, signal } = options;
  if (support.refusal !== undefined) throw new Error(`sandbox unavailable: ${support.refusal}`);
  signal.throwIfAborted();
  const graceMillis = options.graceMillis ?? 500;
  const now = performance.now();
  if (now - lastSweep >= SWEEP_INTERVAL_MILLIS) {
    lastSweep = now;
    sweepStaleCgroups(support.cgroups, activeGroups);
  }
  const rootMount = support.level === 'unshare' ? unshareRootMount() : undefined;
  const cgroups = cgroupPool.acquire(support.cgroups, limits);
  // Processes that could not be killed keep their groups out of the pool.
  let leftovers = 0;
  try {
    const [program, ...args] = launcherArgv(options, rootMount, cgroups);
    if (program === undefined) throw new Error('empty sandbox command line');
    const started = performance.now();
    const child = spawn(program, args, {
      cwd: options.workDir,
      env: commandEnv(options.workDir),
      // Own session and process group: a group kill reaches the launcher's helpers.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...extraStdio(support.level)],
    });
    const stdout = new CappedCapture(limits.outputBytes);
    const stderr = new CappedCapture(limits.outputBytes);
    stdout.attach(child.stdout as Readable);
    stderr.attach(child.stderr as Readable);
    let namespace: string | undefined;
    let info = '';
    ownNamespace ??= pidNamespaceOf('self');
    (child.stdio[3] as Readable | null)?.on('data', (chunk: Buffer) => {
      info += chunk.toString('utf8');
      const announced = /"pid-namespace":\s*(\d+)/.exec(info)?.[1] ?? /pid:\[(\d+)\]/.exec(info)?.[1];
      // Never our own namespace: reaping "its" processes would kill the host's.
      if (namespace === undefined && announced !== undefined && announced !== ownNamespace) namespace = announced;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    });
    // 'end', not 'close': fd 3 is a socket pair whose write side never closes from here.
    const allClosed = Promise.all(
      [child.stdout, child.stderr, child.stdio[3]].map((s) => new Promise<void>((resolve) => {
        const stream = s as Readable | null;
        if (stream === null || stream.readableEnded) resolve();
        else stream.once('end', () => resolve()).once('close', () => resolve());
      })),
    );
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    const pid = child.pid;
    // Set once the namespace is known to be empty (see below): no more /proc scans for it.
    let namespaceGone = false;
    const signalAll = (sig: NodeJS.Signals): void => {
      if (pid !== undefined) {
        try {
          process.kill(-pid, sig);
        } catch {
          // group already gone
        }
      }
      if (namespace !== undefined && !namespaceGone) signalNamespace(namespace, sig);
      if (sig === 'SIGKILL') cgroups?.killAll();
    };
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (): void => {
      if (killTimer !== undefined) return;
      signalAll('SIGTERM');
      killTimer = setTimeout(() => signalAll('SIGKILL'), graceMillis);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, limits.timeoutSeconds * 1000);
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let status: { code: number | null; signal: NodeJS.Signals | null };
    try {
      status = await exited;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
    }
    const durationMs = Math.round(performance.now() - started);
    // After a normal exit at the bwrap level with cgroups, no /proc scan for the
    // namespace: bwrap exits with a code once the command's main process did;
    // the namespace's init then dies (--die-with-parent) and the kernel kills
    // every process of the namespace with it. Whatever may still be running
    // meanwhile is in the command's cgroups, which it cannot leave (no /sys
    // inside, no capabilities), and those are read and killed below until they
    // hold no live process. Without cgroups, after a launcher killed by a
    // signal, a timeout or an abort: the namespace is scanned, as before.
    namespaceGone = support.level === 'bwrap' && cgroups !== undefined && status.code !== null && !timedOut && !aborted;
    leftovers = await reapRest(() => {
      const pids = new Set<number>(cgroups?.livePids() ?? []);
      if (namespace !== undefined && !namespaceGone) for (const p of processesInNamespace(namespace)) pids.add(p);
      return pids;
    }, signalAll);
    // A process that escaped everything else may still hold the pipes open; do not wait forever.
    await Promise.race([allClosed, sleep(1000)]);
    for (const stream of [child.stdout, child.stderr, child.stdio[3]]) (stream as Readable | null)?.destroy();
    const events = cgroups?.events() ?? { processLimitHit: false, memoryLimitHit: false };
    return {
      level: support.level,
      exitCode: status.code,
      signal: status.signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      durationMs,
      timedOut,
      aborted,
      processLimitHit: events.processLimitHit,
      memoryLimitHit: events.memoryLimitHit,
      leftovers,
    };
  } finally {
    if (cgroups !== undefined) cgroupPool.release(cgroups, leftovers === 0);
  }
}

/**
 * SIGKILL what is left until nothing is; returns how many remain after ~2 s.
 * The launcher's group gets SIGKILL too: with no namespace (level none) it is
 * the only handle on the command's children.
 */
async function reapRest(remaining: () => Set<number>, signalAll: (sig: NodeJS.Signals) => void): Promise<number> {
  signalAll('SIGKILL');
  const deadline = performance.now() + REAP_MILLIS;
  for (let i = 0; performance.now() < deadline; i++) {
    const pids = remaining();
    if (pids.size === 0) return 0;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // A SIGKILLed process is usually gone within a millisecond or two: look again soon, then less often.
    await sleep(REAP_POLL_MILLIS[i] ?? 20);
  }
  return remaining().size;
}

/** How long reapRest keeps killing before it reports leftovers. */
const REAP_MILLIS = 2000;
/** reapRest's first waits between looks; 20 ms after these. */
const REAP_POLL_MILLIS = [1, 2, 5, 10];
