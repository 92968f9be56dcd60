/**
 * Per-command control groups: `pids.max` contains fork bombs (RLIMIT_NPROC does
 * not apply to root) and a memory limit that counts every process of the
 * command together. Both cgroup v2 (production hosts) and v1 (hybrid hosts) are
 * handled; when neither can be written (no delegation, read-only /sys) the
 * sandbox runs without them and says so (see SandboxSupport.enforcement).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { isFinished } from './pidNamespace.js';

export interface CgroupSupport {
  readonly version: 'v2' | 'v1' | 'none';
  /** Parent directory under which a group with a pids controller is made, if any. */
  readonly pidsParent?: string;
  /** Parent directory under which a group with a memory controller is made, if any. */
  readonly memoryParent?: string;
  /** Why a controller is missing, for the start log. */
  readonly note: string;
}

const ROOT = '/sys/fs/cgroup';

function ownPaths(): { v2?: string; v1: Map<string, string> } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  let text = '';
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return { v1 };
  }
  for (const line of text.split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined || controllers === undefined) continue;
    if (id === '0' && controllers === '') v2 = path;
    else for (const c of controllers.split(',')) v1.set(c, path);
  }
  return v2 === undefined ? { v1 } : { v2, v1 };
}

/** Where the worker moves itself on cgroup v2 so that its group may have controllers for children. */
export const WORKER_LEAF = 'worker-process';

/**
 * cgroup v2's "no internal processes" rule: a group that holds processes cannot
 * enable controllers for its children. A delegated service group (systemd
 * `Delegate=yes`) holds the worker itself, so the worker moves into a leaf child
 * first, as systemd's delegation docs prescribe (`DelegateSubgroup=` does the
 * same on systemd 254+). Only done when the worker is alone in its group, so no
 * other process is ever moved.
 */
function moveSelfIntoLeaf(parent: string): boolean {
  try {
    const procs = readFileSync(join(parent, 'cgroup.procs'), 'utf8').split('\n').filter((line) => line !== '');
    if (procs.length !== 1 || procs[0] !== String(process.pid)) return false;
    const leaf = join(parent, WORKER_LEAF);
    if (!existsSync(leaf)) mkdirSync(leaf);
    writeFileSync(join(leaf, 'cgroup.procs'), String(process.pid));
    return true;
  } catch {
    return false;
  }
}

/** True when a child group can be made (and removed) under `parent`. */
function canCreateChild(parent: string): boolean {
  const probe = join(parent, `splai-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** Find where this worker may create sandbox groups. Not cached: detectSandboxLevel caches. */
export function detectCgroups(): CgroupSupport {
  const own = ownPaths();
  if (existsSync(join(ROOT, 'cgroup.controllers'))) {
    // Pure v2: sandbox groups go beside the worker, under its own (delegated)
    // group. Once the worker moved itself into its leaf (see below), that is the
    // leaf's parent.
    const ownPath = own.v2 ?? '/';
    const parent = join(ROOT, ownPath.endsWith(`/${WORKER_LEAF}`) ? ownPath.slice(0, -WORKER_LEAF.length - 1) || '/' : ownPath);
    const enabled = (): string[] => {
      try {
        return readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
      } catch {
        return [];
      }
    };
    const enable = (): void => {
      for (const c of ['pids', 'memory']) {
        if (enabled().includes(c)) continue;
        try {
          writeFileSync(join(parent, 'cgroup.subtree_control'), `+${c}`);
        } catch {
          // not available or not delegated to us; reported below
        }
      }
    };
    enable();
    if (!enabled().includes('pids') && !enabled().includes('memory') && moveSelfIntoLeaf(parent)) enable();
    if (!canCreateChild(parent)) return { version: 'none', note: `cgroup v2 group ${parent} is not writable (run the worker with a delegated cgroup, e.g. systemd Delegate=yes)` };
    const have = enabled();
    const result: { version: 'v2'; pidsParent?: string; memoryParent?: string; note: string } = { version: 'v2', note: '' };
    if (have.includes('pids')) result.pidsParent = parent;
    if (have.includes('memory')) result.memoryParent = parent;
    const missing = ['pids', 'memory'].filter((c) => !have.includes(c));
    result.note = missing.length === 0 ? `cgroup v2 under ${parent}` : `cgroup v2 under ${parent} without ${missing.join(', ')} (enable them in ${join(parent, 'cgroup.subtree_control')})`;
    return result;
  }
  const result: { version: 'v1' | 'none'; pidsParent?: string; memoryParent?: string; note: string } = { version: 'none', note: '' };
  for (const controller of ['pids', 'memory'] as const) {
    const parent = join(ROOT, controller, own.v1.get(controller) ?? '/');
    if (existsSync(parent) && canCreateChild(parent)) {
      result.version = 'v1';
      if (controller === 'pids') result.pidsParent = parent;
      else result.memoryParent = parent;
    }
  }
  const missing = [result.pidsParent === undefined ? 'pids' : '', result.memoryParent === undefined ? 'memory' : ''].filter((c) => c !== '');
  result.note = result.version === 'none' ? 'no writable cgroup controllers' : missing.length === 0 ? 'cgroup v1 pids and memory' : `cgroup v1 without ${missing.join(', ')}`;
  return result;
}

export interface CgroupEvents {
  /** A fork failed because pids.max was reached. */
  readonly processLimitHit: boolean;
  /** The kernel OOM-killed a process of the group. */
  readonly memoryLimitHit: boolean;
}

/** Waits between the attempts to remove a group that still lists a zombie. */
const REMOVE_RETRY_MILLIS = [5, 20, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000];

/** The limits a group is made with; groups with the same key are interchangeable. */
type GroupLimits = { maxProcesses: number; memoryMb: number };

/**
 * The groups of one command. A group may serve several commands in turn (see
 * CgroupPool): its event counters cannot be reset, so events() reports what
 * happened since `restart()`, not since the group was made.
 */
export class CommandCgroups {
  /** Event counters when the current command started (0 for a new group), by counter file. */
  private baseline = new Map<string, number>();

  private constructor(
    private readonly support: CgroupSupport,
    private readonly dirs: readonly string[],
    /** The group's name, the same under every controller. */
    readonly name: string,
    /** Which requests this group can serve: the parents and the limits it was made with. */
    readonly key: string,
  ) {}

  /** The key of the groups `create(support, any name, limits)` makes. */
  static keyOf(support: CgroupSupport, limits: GroupLimits): string {
    return [support.version, support.pidsParent ?? '', support.memoryParent ?? '', limits.maxProcesses, limits.memoryMb].join('\0');
  }

  /** Create the groups and write their limits; undefined when cgroups are not available. */
  static create(support: CgroupSupport, name: string, limits: GroupLimits): CommandCgroups | undefined {
    const dirs: string[] = [];
    const bytes = String(limits.memoryMb * 2 ** 20);
    const make = (parent: string): string => {
      const dir = join(parent, name);
      mkdirSync(dir);
      dirs.push(dir);
      return dir;
    };
    try {
      if (support.version === 'v2') {
        const parent = support.pidsParent ?? support.memoryParent;
        if (parent === undefined) return undefined;
        const dir = make(parent);
        if (support.pidsParent !== undefined) writeFileSync(join(dir, 'pids.max'), String(limits.maxProcesses));
        if (support.memoryParent !== undefined) {
          writeFileSync(join(dir, 'memory.max'), bytes);
          if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
        }
      } else if (support.version === 'v1') {
        if (support.pidsParent !== undefined) writeFileSync(join(make(support.pidsParent), 'pids.max'), String(limits.maxProcesses));
        if (support.memoryParent !== undefined) {
          const dir = make(support.memoryParent);
          writeFileSync(join(dir, 'memory.limit_in_bytes'), bytes);
          // Without swap accounting this file is absent and swap is simply not limited.
          if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), bytes);
        }
      } else return undefined;
    } catch (error) {
      new CommandCgroups(support, dirs, name, '').remove();
      throw error;
    }
    return new CommandCgroups(support, dirs, name, CommandCgroups.keyOf(support, limits));
  }

  /** The `cgroup.procs` files a process writes its pid into to join every group. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, 'cgroup.procs'));
  }

  /** Pids still in the groups. */
  pids(): number[] {
    const pids = new Set<number>();
    for (const file of this.procsFiles) {
      try {
        for (const line of readFileSync(file, 'utf8').split('\n')) if (line !== '') pids.add(Number(line));
      } catch {
        // group already gone
      }
    }
    return [...pids];
  }

  /**
   * Pids still in the groups that can still run code of their own (see
   * isFinished). A zombie holds nothing; it stays listed until its parent
   * reaps it, and at the bwrap level that parent is often the host's init:
   * bwrap's monitor exits as soon as the command's main process did, before
   * the namespace's init (its child) is reaped. That init is usually still
   * being killed at that moment: SIGKILL pending, so not waited for either.
   */
  livePids(): number[] {
    return this.pids().filter((pid) => !isFinished(pid));
  }

  /**
   * True when every group exists and lists no process at all, not even a
   * zombie (which still counts against pids.max until it is reaped): only then
   * may the groups serve another command.
   */
  isEmpty(): boolean {
    for (const file of this.procsFiles) {
      try {
        if (readFileSync(file, 'utf8') !== '') return false;
      } catch {
        return false; // removed behind our back: not usable
      }
    }
    return true;
  }

  /** Start counting events afresh, for the next command in these groups (see isEmpty). */
  restart(): void {
    this.baseline = new Map(this.counterFiles().map(([file, key]) => [file, counter(file, key)]));
  }

  /** What happened since the current command started. */
  events(): CgroupEvents {
    let processLimitHit = false;
    let memoryLimitHit = false;
    for (const [file, key, event] of this.counterFiles()) {
      if (counter(file, key) <= (this.baseline.get(file) ?? 0)) continue;
      if (event === 'processLimitHit') processLimitHit = true;
      else memoryLimitHit = true;
    }
    return { processLimitHit, memoryLimitHit };
  }

  /** The event counters: file, key in it, and what a rise means (only the controllers each group has). */
  private counterFiles(): [string, string, keyof CgroupEvents][] {
    const { version, pidsParent, memoryParent } = this.support;
    const files: [string, string, keyof CgroupEvents][] = [];
    for (const dir of this.dirs) {
      // On v2 one group has both controllers; on v1 each controller has its own group.
      if (pidsParent !== undefined && dir === join(pidsParent, this.name)) files.push([join(dir, 'pids.events'), 'max', 'processLimitHit']);
      if (memoryParent !== undefined && dir === join(memoryParent, this.name)) files.push([join(dir, version === 'v2' ? 'memory.events' : 'memory.oom_control'), 'oom_kill', 'memoryLimitHit']);
    }
    return files;
  }

  /** SIGKILL whatever is left in the groups (v2 has cgroup.kill; v1 needs a loop). */
  killAll(): void {
    for (const dir of this.dirs) {
      try {
        if (existsSync(join(dir, 'cgroup.kill'))) writeFileSync(join(dir, 'cgroup.kill'), '1');
      } catch {
        // fall through to the pid loop
      }
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }

  /**
   * Remove the groups off the caller's path, once their processes are gone: a
   * group that still lists a zombie (see livePids) cannot be removed until the
   * zombie is reaped, so each removal is retried with backoff for about a
   * minute; a group still there after that is left to sweepStaleCgroups.
   * Never rejects.
   */
  async removeEventually(): Promise<void> {
    await Promise.all(
      this.dirs.map(async (dir) => {
        for (const delay of REMOVE_RETRY_MILLIS) {
          try {
            await rmdir(dir);
            return;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EBUSY') return; // gone, or not ours to retry
          }
          await sleep(delay, undefined, { ref: false });
        }
      }),
    );
  }

  /** Remove the groups; a group that still has processes stays (and is reported by the caller). */
  remove(): boolean {
    let all = true;
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
      }
    }
    return all;
  }
}

/** The value of `key` in a flat-keyed cgroup file (`key value` lines); 0 when absent. */
function counter(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${key} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Prefix of every sandbox group name: `splai-<worker pid>-<thread id>-<random>`. */
export const GROUP_PREFIX = 'splai-';

/** The owner part of this thread's group names. */
export function groupOwner(): string {
  return `${process.pid}-${threadId}`;
}

/**
 * Remove groups left by runs that never got to clean up: a worker that was
 * killed, or a run of this thread that was cut short. Groups of dead workers,
 * and this thread's groups not in `active`, are tried; other live threads'
 * groups are left alone (one of them may be about to be joined). rmdir refuses
 * a group that still has processes, so a busy group is never torn down.
 */
export function sweepStaleCgroups(support: CgroupSupport, active: ReadonlySet<string>): void {
  const mine = `${GROUP_PREFIX}${groupOwner()}-`;
  for (const parent of new Set([support.pidsParent, support.memoryParent])) {
    if (parent === undefined) continue;
    let names: string[];
    try {
      names = readdirSync(parent).filter((name) => name.startsWith(GROUP_PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = Number(name.split('-')[1]);
      const stale = name.startsWith(mine) ? !active.has(name) : owner !== process.pid && !existsSync(`/proc/${owner}`);
      if (!stale) continue;
      try {
        rmdirSync(join(parent, name));
      } catch {
        // still busy; next time
      }
    }
  }
}
