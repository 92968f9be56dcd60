/**
 * How a command's per-process rlimits (CPU time, address space, file size,
 * processes, core size) are set: by the `ulimit` builtin of the launcher shell
 * that already joins the command's cgroups, so no extra program is exec'd per
 * command; or, where `/bin/sh` cannot do it, by `prlimit` (util-linux).
 */
import { spawnSync } from 'node:child_process';
import type { SandboxLimits } from './limits.js';

/** Who sets the rlimits on this host: the launcher shell, prlimit, or nobody. */
export type RlimitTool = 'shell' | 'prlimit' | 'none';

type RlimitValues = Pick<SandboxLimits, 'cpuSeconds' | 'memoryMb' | 'maxFileMb' | 'maxProcesses'>;

const MB = 2 ** 20;

/** Shell code that writes its own pid into each cgroup.procs file named before `--`, then drops the `--`. */
const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || { echo "splai-sandbox: cannot join cgroup $1" >&2; exit 125; }; shift; done; shift';

/**
 * Joins the cgroups named before `--`, sets the rlimits from the next five
 * arguments, then execs the rest: the command starts inside the groups and
 * under the limits. `ulimit` without -S/-H sets both; the soft CPU limit is
 * then lowered so that SIGXCPU comes first and the hard limit's SIGKILL a
 * second later (dash refuses `-H` alone while the soft limit is higher).
 * Units are POSIX's (dash, and bash as sh): -v KiB, -f 512-byte blocks; the
 * start-up probe checks them on this host's shell.
 */
export const JOIN_AND_LIMIT = [
  JOIN_CGROUPS,
  'ulimit -t "$1" && ulimit -S -t "$2" && ulimit -v "$3" && ulimit -f "$4" && ulimit -p "$5" && ulimit -c 0 || { echo "splai-sandbox: cannot set the resource limits" >&2; exit 125; }',
  'shift 5; exec "$@"',
].join('\n');

/** Joins the cgroups named before `--`, then execs the rest (rlimits set elsewhere, or not at all). */
export const JOIN_ONLY = `${JOIN_CGROUPS}; exec "$@"`;

/** The five values JOIN_AND_LIMIT takes after `--`, in the shell's units. */
export function shellLimitArgs(limits: RlimitValues): string[] {
  return [limits.cpuSeconds + 1, limits.cpuSeconds, limits.memoryMb * 1024, limits.maxFileMb * 2048, limits.maxProcesses].map(String);
}

/** prlimit's options for the same limits (soft and hard equal, except CPU as above). */
export function prlimitArgs(limits: RlimitValues): string[] {
  return [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${limits.memoryMb * MB}`,
    `--fsize=${limits.maxFileMb * MB}`,
    `--nproc=${limits.maxProcesses}`,
    '--core=0',
  ];
}

/** One line of /proc/<pid>/limits: soft and hard, as text ("unlimited" or a number). */
export function limitOf(procLimits: string, name: string): { soft: string; hard: string } | undefined {
  const line = procLimits.split('\n').find((l) => l.startsWith(name));
  const fields = line?.slice(name.length).trim().split(/\s+/);
  const [soft, hard] = fields ?? [];
  return soft === undefined || hard === undefined ? undefined : { soft, hard };
}

/** The /proc/<pid>/limits lines and values that `limits` must produce, in bytes and seconds. */
export function expectedProcLimits(limits: RlimitValues): Record<string, { soft: string; hard: string }> {
  const both = (n: number): { soft: string; hard: string } => ({ soft: String(n), hard: String(n) });
  return {
    'Max cpu time': { soft: String(limits.cpuSeconds), hard: String(limits.cpuSeconds + 1) },
    'Max address space': both(limits.memoryMb * MB),
    'Max file size': both(limits.maxFileMb * MB),
    'Max processes': both(limits.maxProcesses),
    'Max core file size': both(0),
  };
}

/**
 * True when `/bin/sh` sets every limit with the units JOIN_AND_LIMIT assumes:
 * it runs the script with odd values and reads back what the exec'd program
 * got. Anything else (another shell, other units, no ulimit -v or -p) is false,
 * and prlimit is used instead.
 */
export function shellSetsRlimits(): boolean {
  // Odd values, below any hard limit a host would set: a wrong unit shows as a wrong number.
  const probe: RlimitValues = { cpuSeconds: 59, memoryMb: 1031, maxFileMb: 3, maxProcesses: 97 };
  const result = spawnSync('/bin/sh', ['-c', JOIN_AND_LIMIT, 'splai-sandbox-probe', '--', ...shellLimitArgs(probe), 'cat', '/proc/self/limits'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { PATH: '/usr/bin:/bin' },
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (result.status !== 0 || typeof result.stdout !== 'string') return false;
  return Object.entries(expectedProcLimits(probe)).every(([name, want]) => {
    const got = limitOf(result.stdout, name);
    return got?.soft === want.soft && got.hard === want.hard;
  });
}
