/** CPU and memory utilization (percent, 0-100) for heartbeats. */
import { cpus, freemem, totalmem } from 'node:os';

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Samples utilization since the previous call (the first call measures since start-up). */
export class HostLoad {
  private last = cpuTimes();

  sample(): { cpu: number; memory: number } {
    const now = cpuTimes();
    const total = now.total - this.last.total;
    const idle = now.idle - this.last.idle;
    this.last = now;
    const cpu = total > 0 ? clamp(100 * (1 - idle / total)) : 0;
    const memory = clamp(100 * (1 - freemem() / totalmem()));
    return { cpu: round(cpu), memory: round(memory) };
  }
}

const clamp = (n: number) => Math.min(100, Math.max(0, n));
const round = (n: number) => Math.round(n * 10) / 10;
