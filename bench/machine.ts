/** The machine a result was measured on (written into results.json beside the numbers). */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { SandboxSupport } from '../sandbox/detectSandboxLevel.js';

export interface MachineDescription {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  readonly loadAverage: readonly number[];
  readonly sandboxLevel: string;
  readonly sandboxSummary: string;
  /** Set in this environment, it adds ~45 ms to every Node start (see platform notes). */
  readonly nodeExtraCaCerts: boolean;
}

export function describeMachine(sandbox: SandboxSupport): MachineDescription {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    sandboxLevel: sandbox.refusal === undefined ? sandbox.level : `none (${sandbox.refusal})`,
    sandboxSummary: sandbox.summary,
    nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] !== undefined,
  };
}
