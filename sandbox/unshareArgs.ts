/**
 * The `unshare` level: the same view as bwrap, built by a small shell script that
 * runs as root of fresh mount/pid/net/ipc/uts namespaces, pivots into a tmpfs
 * root and drops every capability before starting the command. Used when bwrap
 * is missing; needs root or unprivileged user namespaces.
 */
import type { IsolationSpec } from './bwrapArgs.js';
import { etcEntries, topDirs } from './systemView.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function setupScript(spec: IsolationSpec, pivotRoot: string, setpriv: string): string {
  const w = quote(spec.workDir);
  const lines = [
    'set -eu',
    'R=$1; shift',
    // Our pid namespace, seen through the host's /proc: lets the runner find
    // every process of the sandbox later, whatever it forks or setsid()s.
    'readlink /proc/self/ns/pid >&3; exec 3>&-',
    'mount --make-rprivate /',
    'mount -t tmpfs -o mode=0755,size=16m splai-root "$R"',
    'mkdir -p "$R/usr" "$R/proc" "$R/dev" "$R/tmp" "$R/etc" "$R/.old"',
    'mount --bind -o ro /usr "$R/usr"',
  ];
  for (const dir of topDirs()) {
    if ('symlink' in dir) lines.push(`ln -s ${quote(dir.symlink)} "$R/${dir.name}"`);
    else lines.push(`mkdir -p "$R/${dir.name}"`, `mount --bind -o ro ${quote(dir.bind)} "$R/${dir.name}"`);
  }
  // No ownership kept: in a user namespace (worker not root) the owners may be unmapped.
  for (const entry of etcEntries()) lines.push(`cp -PR --preserve=mode,timestamps ${quote(entry)} "$R/etc/"`);
  lines.push(
    `mount -t tmpfs -o mode=1777,size=${spec.tmpMb}m splai-tmp "$R/tmp"`,
    'mount -t tmpfs -o mode=0755,size=64k splai-dev "$R/dev"',
    'for n in null zero full random urandom tty; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done',
    // POSIX shared memory and semaphores (Python multiprocessing), as bwrap's --dev has.
    `mkdir "$R/dev/shm"; mount -t tmpfs -o mode=1777,size=${spec.tmpMb}m splai-shm "$R/dev/shm"`,
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
    // After /tmp: the work dir may live under the host's /tmp.
    `mkdir -p "$R"${w}`,
    `mount --bind ${w} "$R"${w}`,
    'mount -t proc -o nosuid,nodev,noexec proc "$R/proc"',
    // Files here are writable by uid 0 even without capabilities (sysctls such as
    // kernel.core_pattern, sysrq): make them read-only, as bwrap does for /proc.
    // Not the host's name (sethostname works in our UTS namespace; the proc file
    // does not in a user namespace). Cosmetic, so never fatal.
    '{ hostname splai-sandbox || echo splai-sandbox > "$R/proc/sys/kernel/hostname"; } 2>/dev/null || true',
    'for p in sys sysrq-trigger irq bus; do if [ -e "$R/proc/$p" ]; then mount --bind "$R/proc/$p" "$R/proc/$p"; mount -o remount,bind,ro "$R/proc/$p"; fi; done',
    'cd "$R"',
    `${quote(pivotRoot)} . .old`,
    'umount -l /.old',
    'rmdir /.old',
    'mount -o remount,ro,bind /',
    `cd ${w}`,
    'unset OLDPWD',
    // An empty bounding set means the command gets no capability even as uid 0,
    // so it cannot remount /usr read-write or leave its namespaces. Not exec'd:
    // this shell stays PID 1 (as bwrap's init does), because the kernel shields
    // a namespace's init from signals such as SIGXCPU that must end the command.
    `${quote(setpriv)} --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$@"`,
    'exit $?',
  );
  return lines.join('\n');
}

export interface UnshareTools {
  readonly unshare: string;
  readonly setpriv: string;
  readonly pivotRoot: string;
}

/**
 * Full argv (program first). When unshare dies (killed, or by the parent-death
 * signal the runner arms), `--kill-child` kills the namespace's init, and with
 * it every process in the namespace. `rootMount` is an empty host directory
 * used as the mount point of the new root (only inside the private mount
 * namespace).
 */
export function unshareArgv(spec: IsolationSpec, tools: UnshareTools, rootMount: string, mapRoot: boolean): string[] {
  return [
    tools.unshare,
    ...(mapRoot ? ['--user', '--map-root-user'] : []),
    '--mount',
    '--net',
    '--pid',
    '--ipc',
    '--uts',
    '--fork',
    '--kill-child',
    '--',
    '/bin/sh',
    '-c',
    setupScript(spec, tools.pivotRoot, tools.setpriv),
    'splai-sandbox-setup',
    rootMount,
    ...spec.argv,
  ];
}
