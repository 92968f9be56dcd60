/**
 * CPU and memory utilization (whole percent, 0-100) for heartbeats.
 *
 * The gateway's scheduler scores a worker by its load and by these two numbers
 * (it takes (cpu + memory) / 100 off the score, against 0.15 per running task).
 * A reading over a few milliseconds is noise, and noise decides which worker
 * gets every task: measured over the time since the previous heartbeat (50 ms
 * apart when the load changes), four workers on one host split a job
 * 30/30/2/18. So a reading covers at least `windowMillis`; until that much
 * time has passed the previous reading is repeated. Whole percents keep
 * workers on one host at equal readings, where the scheduler compares loads.
 */
import { cpus, freemem, totalmem } from 'node:os';

interface CpuTimes {
  readonly idle: number;
  readonly total: number;
}

export interface Utilization {
  readonly cpu: number;
  readonly memory: number;
}

export interface HostLoadSources {
  readonly now: () => number;
  readonly cpuTimes: () => CpuTimes;
  /** Fraction of memory in use, 0-1. */
  readonly memoryUsed: () => number;
}

function hostCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

const hostSources: HostLoadSources = { now: () => performance.now(), cpuTimes: hostCpuTimes, memoryUsed: () => 1 - freemem() / totalmem() };

/** Default least time a reading covers. */
export const LOAD_WINDOW_MILLIS = 5000;

export class HostLoad {
  readonly #sources: HostLoadSources;
  readonly #windowMillis: number;
  #since: { readonly at: number; readonly times: CpuTimes };
  #reading: Utilization | undefined;

  constructor(options: { readonly windowMillis?: number; readonly sources?: HostLoadSources } = {}) {
    this.#sources = options.sources ?? hostSources;
    this.#windowMillis = options.windowMillis ?? LOAD_WINDOW_MILLIS;
    this.#since = { at: this.#sources.now(), times: this.#sources.cpuTimes() };
  }

  /** The utilization over the last window; the first call measures since construction. */
  sample(): Utilization {
    const at = this.#sources.now();
    if (this.#reading !== undefined && at - this.#since.at < this.#windowMillis) return this.#reading;
    const times = this.#sources.cpuTimes();
    const total = times.total - this.#since.times.total;
    const idle = times.idle - this.#since.times.idle;
    this.#since = { at, times };
    this.#reading = { cpu: percent(total > 0 ? 1 - idle / total : 0), memory: percent(this.#sources.memoryUsed()) };
    return this.#reading;
  }
}

const percent = (fraction: number) => Math.round(Math.min(100, Math.max(0, 100 * fraction)));
