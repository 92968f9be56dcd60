/**
 * The bubblewrap command line of one sandboxed command. bwrap builds a new root
 * on a tmpfs, so only what is bound here exists for the command.
 */
import { etcEntries, topDirs } from './systemView.js';

export interface IsolationSpec {
  /** The private writable working dir; shown at the same path inside. */
  readonly workDir: string;
  /** Size of the private /tmp, in MB. */
  readonly tmpMb: number;
  /** The program and its arguments, run inside. */
  readonly argv: readonly string[];
}

/**
 * `bwrap` arguments: every namespace unshared (network: loopback only; pid: bwrap
 * is init and the namespace dies with it), all capabilities dropped even when the
 * worker is root, and death with the process that started it. fd 3 receives
 * bwrap's info JSON (pid namespace).
 *
 * No `--new-session`: the runner already starts bwrap in a session of its own
 * without a terminal (so there is no TIOCSTI to fear), and keeping the
 * namespace's init in the launcher's process group means a plain group kill
 * from the main thread (actors/taskPool.ts) takes the whole namespace down,
 * even when the thread that ran the task is gone.
 */
export function bwrapArgs(spec: IsolationSpec): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--cap-drop', 'ALL', '--hostname', 'splai-sandbox', '--ro-bind', '/usr', '/usr'];
  args.push(...systemViewArgs());
  // bwrap covers /proc/sys only when it is writable as a directory, which it never
  // is; its files are writable by uid 0 even without capabilities (vm.*,
  // kernel.core_pattern: a host escape). A read-only bind closes that.
  args.push('--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(spec.tmpMb * 2 ** 20), '--tmpfs', '/tmp');
  args.push('--bind', spec.workDir, spec.workDir);
  args.push('--remount-ro', '/', '--chdir', spec.workDir, '--info-fd', '3', '--', ...spec.argv);
  return args;
}

let cachedViewArgs: readonly string[] | undefined;

/**
 * The binds of the host's program directories and /etc entries, looked up once
 * per thread: the host's layout does not change under a running worker, and an
 * /etc entry that vanishes later is skipped by `--ro-bind-try`. The cache can
 * only show less than a fresh lookup, never more.
 */
function systemViewArgs(): readonly string[] {
  if (cachedViewArgs === undefined) {
    const args: string[] = [];
    for (const dir of topDirs()) {
      if ('symlink' in dir) args.push('--symlink', dir.symlink, `/${dir.name}`);
      else args.push('--ro-bind', dir.bind, `/${dir.name}`);
    }
    for (const entry of etcEntries()) args.push('--ro-bind-try', entry, entry);
    cachedViewArgs = args;
  }
  return cachedViewArgs;
}
