/**
 * Which isolation this host offers, chosen once at start: bubblewrap when it
 * works, else `unshare` namespaces when permitted, else none. With none,
 * commands are refused unless the operator explicitly set SPLAI_SANDBOX=none
 * (secure by default). The result also says how each limit is enforced here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerConfig } from '../config/definitions.js';
import { bwrapArgs } from './bwrapArgs.js';
import { detectCgroups, type CgroupSupport } from './cgroups.js';
import { shellSetsRlimits, type RlimitTool } from './rlimits.js';
import { findSandboxTools, type SandboxTools } from './tools.js';
import { unshareArgv } from './unshareArgs.js';

export type SandboxRequest = WorkerConfig['sandbox'];
export type SandboxLevel = 'bwrap' | 'unshare' | 'none';

export interface SandboxEnforcement {
  readonly wallClock: string;
  readonly cpu: string;
  readonly memory: string;
  readonly processes: string;
  readonly fileSize: string;
  readonly output: string;
}

export interface SandboxSupport {
  /** What the configuration asked for (SPLAI_SANDBOX). */
  readonly requested: SandboxRequest;
  /** The isolation commands run under. */
  readonly level: SandboxLevel;
  /** When set, commands are refused, and this says why and what to do. */
  readonly refusal?: string;
  readonly tools: SandboxTools;
  readonly cgroups: CgroupSupport;
  /** What sets the per-process rlimits: the launcher shell's ulimit, else prlimit. */
  readonly rlimits: RlimitTool;
  /** How each limit is enforced on this host. */
  readonly enforcement: SandboxEnforcement;
  /** One line for the start log and `run --help`. */
  readonly summary: string;
}

const cache = new Map<string, SandboxSupport>();

/**
 * The sandbox level for `requested`, probed once per process (and PATH) by
 * running `/bin/true` through the real isolation.
 *
 * @example
 * const support = detectSandboxLevel(config.sandbox);
 * logger.info(`sandbox: ${support.summary}`);
 */
export function detectSandboxLevel(requested: SandboxRequest): SandboxSupport {
  const path = process.env['PATH'] ?? '';
  const key = `${requested}\0${path}`;
  let support = cache.get(key);
  if (support === undefined) cache.set(key, (support = detect(requested, path)));
  return support;
}

function detect(requested: SandboxRequest, path: string): SandboxSupport {
  const tools = findSandboxTools(path);
  const cgroups = detectCgroups();
  const rlimits: RlimitTool = shellSetsRlimits() ? 'shell' : tools.prlimit !== undefined ? 'prlimit' : 'none';
  const enforcement = describeEnforcement(rlimits, cgroups);
  const make = (level: SandboxLevel, refusal?: string, fallback?: string): SandboxSupport => {
    const cgroupNote = cgroups.pidsParent === undefined || cgroups.memoryParent === undefined ? `; cgroups: ${cgroups.note}` : '';
    const limits = `limits: cpu ${enforcement.cpu}; memory ${enforcement.memory}; processes ${enforcement.processes}${cgroupNote}`;
    const summary =
      refusal !== undefined
        ? `none (commands refused: ${refusal})`
        : level === 'none'
          ? `none (SPLAI_SANDBOX=none: commands run WITHOUT isolation; ${limits})`
          : `${level} (${fallback === undefined ? '' : `${fallback}; `}${limits})`;
    return { requested, level, ...(refusal === undefined ? {} : { refusal }), tools, cgroups, rlimits, enforcement, summary };
  };
  if (requested === 'none') return make('none');
  const bwrap = requested === 'auto' || requested === 'bwrap' ? probeBwrap(tools) : 'not requested';
  if (bwrap === undefined) return make('bwrap');
  if (requested === 'bwrap') return make('none', `SPLAI_SANDBOX=bwrap but bubblewrap does not work here: ${bwrap}`);
  const unshare = probeUnshare(tools);
  if (unshare === undefined) return make('unshare', undefined, requested === 'auto' ? `bwrap unavailable: ${bwrap}` : undefined);
  if (requested === 'unshare') return make('none', `SPLAI_SANDBOX=unshare but unshare namespaces do not work here: ${unshare}`);
  return make('none', `no isolation available (bwrap: ${bwrap}; unshare: ${unshare}); install bubblewrap, or set SPLAI_SANDBOX=none to run commands without isolation`);
}

function describeEnforcement(rlimits: RlimitTool, cgroups: CgroupSupport): SandboxEnforcement {
  const rlimit = (name: string): string => (rlimits === 'none' ? 'not enforced (neither /bin/sh ulimit nor prlimit works)' : `${name} (${rlimits === 'shell' ? 'ulimit' : 'prlimit'})`);
  const root = process.getuid?.() === 0;
  const memory = [cgroups.memoryParent === undefined ? '' : `cgroup ${cgroups.version} memory limit`, rlimits === 'none' ? '' : 'RLIMIT_AS'].filter((s) => s !== '').join(' + ');
  const processes =
    cgroups.pidsParent !== undefined
      ? `cgroup ${cgroups.version} pids.max`
      : rlimits === 'none'
        ? 'not enforced (no pids cgroup, no rlimits)'
        : root
          ? 'not enforced (no pids cgroup; RLIMIT_NPROC does not apply to root)'
          : 'RLIMIT_NPROC (shared by all processes of the worker user)';
  return {
    wallClock: 'timer, then SIGTERM and SIGKILL of the whole sandbox',
    cpu: rlimit('RLIMIT_CPU'),
    memory: memory === '' ? 'not enforced (no memory cgroup, no rlimits)' : memory,
    processes,
    fileSize: rlimit('RLIMIT_FSIZE'),
    output: 'captured up to the cap, the rest read and dropped',
  };
}

/** Run `/bin/true` through `argv`; undefined when it worked, else why not. */
function probe(argv: readonly string[]): string | undefined {
  const [program, ...args] = argv;
  if (program === undefined) return 'nothing to run';
  const result = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, timeout: 10_000, encoding: 'utf8' });
  if (result.error !== undefined) return result.error.message;
  if (result.status === 0) return undefined;
  const stderr = (typeof result.stderr === 'string' ? result.stderr : '').trim().split('\n').pop() ?? '';
  return `${program} exited with ${result.status ?? result.signal}${stderr === '' ? '' : `: ${stderr}`}`;
}

function withProbeDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'splai-sandbox-probe-'));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function probeBwrap(tools: SandboxTools): string | undefined {
  const bwrap = tools.bwrap;
  if (bwrap === undefined) return 'bwrap not found on PATH (Debian package bubblewrap)';
  return withProbeDir((dir) => probe([bwrap, ...bwrapArgs({ workDir: dir, tmpMb: 1, argv: ['/bin/true'] })]));
}

function probeUnshare(tools: SandboxTools): string | undefined {
  const { unshare, setpriv, pivotRoot } = tools;
  if (unshare === undefined || setpriv === undefined || pivotRoot === undefined) return 'unshare, setpriv or pivot_root not found (Debian package util-linux)';
  return withProbeDir((dir) => {
    const work = join(dir, 'work');
    const root = join(dir, 'root');
    mkdirSync(work);
    mkdirSync(root);
    return probe(unshareArgv({ workDir: work, tmpMb: 1, argv: ['/bin/true'] }, { unshare, setpriv, pivotRoot }, root, process.getuid?.() !== 0));
  });
}
