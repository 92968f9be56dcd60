/**
 * How a sandboxed command is launched: the command line that stacks the
 * parent-death signal, the cgroup join, the rlimits and the isolation level
 * around `/bin/sh -c <command>`, and the child's extra file descriptors.
 */
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { bwrapArgs, type IsolationSpec } from './bwrapArgs.js';
import type { CommandCgroups } from './cgroups.js';
import type { SandboxLevel, SandboxSupport } from './detectSandboxLevel.js';
import type { SandboxLimits } from './limits.js';
import { JOIN_AND_LIMIT, JOIN_ONLY, prlimitArgs, shellLimitArgs } from './rlimits.js';
import { unshareArgv } from './unshareArgs.js';

export interface LaunchOptions {
  readonly command: string;
  readonly workDir: string;
  readonly support: SandboxSupport;
  readonly limits: SandboxLimits;
}

/** The launcher shell's $0, shown in `ps` and in its error messages. */
const LAUNCHER_NAME = 'splai-sandbox-launch';

/**
 * The command line, from the outside in: setpriv arms the parent-death signal;
 * one `/bin/sh` joins the cgroups, sets the rlimits with its `ulimit` builtin
 * and execs the isolation (bwrap, unshare, or at level none the command's own
 * shell). Where the shell cannot set the rlimits, prlimit does, between the
 * shell and the isolation.
 */
export function launcherArgv(options: LaunchOptions, rootMount: string | undefined, cgroups: CommandCgroups | undefined): string[] {
  const { support, limits } = options;
  const spec: IsolationSpec = { workDir: options.workDir, tmpMb: limits.maxFileMb, argv: ['/bin/sh', '-c', options.command] };
  let argv: string[];
  if (support.level === 'bwrap' && support.tools.bwrap !== undefined) argv = [support.tools.bwrap, ...bwrapArgs(spec)];
  else if (support.level === 'unshare' && rootMount !== undefined) {
    const { unshare, setpriv, pivotRoot } = support.tools;
    if (unshare === undefined || setpriv === undefined || pivotRoot === undefined) throw new Error('unshare level without its tools');
    argv = unshareArgv(spec, { unshare, setpriv, pivotRoot }, rootMount, process.getuid?.() !== 0);
  } else argv = [...spec.argv];
  const groups = cgroups?.procsFiles ?? [];
  if (support.rlimits === 'shell') argv = ['/bin/sh', '-c', JOIN_AND_LIMIT, LAUNCHER_NAME, ...groups, '--', ...shellLimitArgs(limits), ...argv];
  else {
    if (support.rlimits === 'prlimit' && support.tools.prlimit !== undefined) argv = [support.tools.prlimit, ...prlimitArgs(limits), '--', ...argv];
    if (groups.length > 0) argv = ['/bin/sh', '-c', JOIN_ONLY, LAUNCHER_NAME, ...groups, '--', ...argv];
  }
  // First thing after fork: die with the thread that spawned us. The signal is
  // kept across the execs above, so the launcher (bwrap, unshare or the shell)
  // dies with the command host (which dies with the worker), or, when a pool
  // thread launches commands itself, with that thread when it is terminated.
  // Kept even though bwrap has --die-with-parent: bwrap arms that only after
  // its clone(), so a worker killed during the shell's and bwrap's start-up
  // (a few ms per command) would leave a sandbox running with no one to time it
  // out; setpriv narrows that window to its own exec.
  if (support.tools.setpriv !== undefined) argv = [support.tools.setpriv, '--pdeathsig', 'KILL', '--', ...argv];
  return argv;
}

const O_CLOEXEC = 0o2000000;
let devNull: number | undefined;

/**
 * Whether each fd open at the previous call is inherited by exec (no
 * close-on-exec). Reading an fd's flags costs a file read, ~20 us, and a worker
 * has about a hundred fds (sockets, pipes, files), so only the fds that were
 * not open at the previous call are read: one listing instead of ~2 ms of reads
 * per command. What that trusts: Node and libuv open every fd with O_CLOEXEC,
 * so an fd without it is either inherited at start (seen at the first call,
 * and unchanged until closed) or made by native code, which the worker does not
 * load; only native code that opened an fd without O_CLOEXEC under a number that
 * was closed and reused between two calls would be missed. Per thread, like
 * every module state here; the fd table itself is the process's.
 */
let inheritableAtLastCall = new Map<number, boolean>();

/**
 * The child's fds from 3 up: fd 3 carries the launcher's namespace report (not
 * at the `none` level, where the command itself would get it). Any fd the
 * worker inherited without close-on-exec (from whatever started it) would be
 * inherited by the command too, and Node cannot close it for the child; so
 * each such fd is replaced with /dev/null in the child.
 */
export function extraStdio(level: SandboxLevel): ('pipe' | 'ignore' | number)[] {
  devNull ??= openSync('/dev/null', 'r+');
  const extra: ('pipe' | 'ignore' | number)[] = [level === 'none' ? devNull : 'pipe'];
  let names: string[] = [];
  try {
    names = readdirSync('/proc/self/fdinfo');
  } catch {
    return extra;
  }
  const inheritable = new Map<number, boolean>();
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 3) || fd === devNull) continue;
    let withoutCloexec = inheritableAtLastCall.get(fd);
    if (withoutCloexec === undefined) {
      try {
        const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${name}`, 'utf8'))?.[1];
        withoutCloexec = flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) === 0;
      } catch {
        continue; // closed meanwhile
      }
    }
    inheritable.set(fd, withoutCloexec);
    if (!withoutCloexec) continue;
    while (extra.length < fd - 2) extra.push('ignore');
    extra[fd - 3] = devNull;
  }
  inheritableAtLastCall = inheritable;
  return extra;
}
