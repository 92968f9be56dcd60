/**
 * The resource limits of one command: the configured caps, lowered (never
 * raised) by the task's own `timeout_seconds` and `_resource_memory` inputs.
 */
import type { WorkerConfig } from '../config/definitions.js';
import { TaskError } from '../base/TaskError.js';
import type { Inputs } from '../protocol/inputs.js';

export interface SandboxLimits {
  /** Wall clock, enforced by the runner's timer. */
  readonly timeoutSeconds: number;
  /** CPU time of each process (RLIMIT_CPU). */
  readonly cpuSeconds: number;
  /** Memory of the command (cgroup memory limit when available, RLIMIT_AS always). */
  readonly memoryMb: number;
  /** Processes at once (cgroup pids.max when available, RLIMIT_NPROC otherwise). */
  readonly maxProcesses: number;
  /** Largest file the command may write (RLIMIT_FSIZE), also the size of its private /tmp. */
  readonly maxFileMb: number;
  /** Captured stdout and stderr, each; the rest is read and dropped. */
  readonly outputBytes: number;
}

/** Below this a shell cannot even start, so a task asking for less gets this much. */
export const MIN_MEMORY_MB = 16;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};

/**
 * Bytes of a memory quantity as Kubernetes and the SPLAI scheduler write them:
 * `512Mi`, `1Gi`, `256M` (decimal), `1048576` (bytes). Undefined when malformed.
 */
export function parseMemoryBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

/** The limits for one task: config caps, lowered by the task's inputs. */
export function resolveLimits(config: WorkerConfig, inputs: Inputs): SandboxLimits {
  let timeoutSeconds = config.sandboxTimeoutSeconds;
  const timeoutText = inputs['timeout_seconds']?.trim();
  if (timeoutText !== undefined && timeoutText !== '') {
    const asked = Number(timeoutText);
    if (!Number.isFinite(asked) || asked <= 0) throw new TaskError(`input timeout_seconds must be a positive number of seconds, got ${JSON.stringify(timeoutText.slice(0, 40))}`);
    timeoutSeconds = Math.min(timeoutSeconds, asked);
  }
  let memoryMb = config.sandboxMemoryMb;
  const memoryText = inputs['_resource_memory']?.trim();
  if (memoryText !== undefined && memoryText !== '') {
    const bytes = parseMemoryBytes(memoryText);
    if (bytes === undefined) throw new TaskError(`input _resource_memory must be a memory quantity like 512Mi, 1Gi or 256M, got ${JSON.stringify(memoryText.slice(0, 40))}`);
    memoryMb = Math.min(memoryMb, Math.max(MIN_MEMORY_MB, Math.floor(bytes / 2 ** 20)));
  }
  return {
    timeoutSeconds,
    cpuSeconds: config.sandboxCpuSeconds,
    memoryMb,
    maxProcesses: config.sandboxMaxProcesses,
    maxFileMb: config.sandboxMaxFileMb,
    outputBytes: config.sandboxOutputBytes,
  };
}
