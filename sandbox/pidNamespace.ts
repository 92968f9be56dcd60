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

/**
 * The fields of /proc/<pid>/stat from field 3 (state) on, or undefined when the
 * process is gone. Split after the command name, which may hold spaces and
 * parentheses: index 0 is field 3.
 */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True for a zombie (or dying) process: it runs nothing any more, only waits to be reaped. */
function isDead(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === undefined || state === 'Z' || state === 'X';
}

/** PF_EXITING in the kernel flags of /proc/<pid>/stat: the task is in exit(). */
const PF_EXITING = 0x4;
/** SIGKILL's bit (signal 9) in the pending-signal mask of /proc/<pid>/stat. */
const SIGKILL_BIT = 1 << 8;

/**
 * True for a process that will run none of its own code again: gone; a zombie,
 * or a process already in exit(), when it has no other thread that could still
 * run (a leader thread that exited shows `Z` while the others run on); or one
 * with SIGKILL pending, which cannot be caught or blocked, is acted on before
 * the process could return to its code, and makes every fork of it fail. The
 * last two spare the runner a wait of a millisecond or more per command:
 * bwrap's namespace init is usually still dying (tearing its namespaces down)
 * when bwrap's exit is seen. One read of /proc/<pid>/stat answers all of it.
 */
export function isFinished(pid: number): boolean {
  const fields = statFields(pid);
  if (fields === undefined) return true; // gone
  const state = fields[0];
  const flags = Number(fields[6]);
  const threads = Number(fields[17]);
  const pending = Number(fields[28]);
  if ((state === 'Z' || state === 'X' || (flags & PF_EXITING) !== 0) && threads === 1) return true;
  return (pending & SIGKILL_BIT) !== 0;
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
