/**
 * Processes of one PID namespace, found through the host's /proc. A sandboxed
 * command may fork, double-fork or setsid() out of its process group, but it
 * can never leave its PID namespace, so this is how the runner makes sure that
 * nothing it started is still running when the task ends.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The namespace id (the inode in `pid:[N]`) of a process, or undefined when it is gone. */
export function pidNamespaceOf(pid: number | 'self'): string | undefined {
  try {
    return /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1];
  } catch {
    return undefined;
  }
}

/** True for a zombie (or dying) process: it runs nothing any more, only waits to be reaped. */
function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/**
 * True for a zombie that holds nothing: dead, and no thread of it still runs (a
 * leader thread that exited shows `Z` while the process's other threads run on).
 */
export function isZombie(pid: number): boolean {
  if (!isDead(pid)) return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true; // gone
  }
}

/**
 * Pids (host view) of the live processes in namespace `ns`. Zombies are left
 * out: the namespace's init can outlive bwrap's monitor as a zombie until the
 * host's init reaps it, and it holds nothing.
 */
export function processesInNamespace(ns: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pidNamespaceOf(pid) === ns && !isDead(pid)) pids.push(pid);
  }
  return pids;
}

/** Send `signal` to every process of namespace `ns`; returns how many were signalled. */
export function signalNamespace(ns: string, signal: NodeJS.Signals): number {
  // Never our own namespace: that would signal the worker and its host.
  if (ns === pidNamespaceOf('self')) return 0;
  let count = 0;
  for (const pid of processesInNamespace(ns)) {
    try {
      process.kill(pid, signal);
      count++;
    } catch {
      // exited meanwhile
    }
  }
  return count;
}
