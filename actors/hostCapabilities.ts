/**
 * What this host offers, for the register call. Detected, then overridden by
 * configuration. CPU-first: `gpu` is false unless configured (SPLAI_GPU=true),
 * or `auto` and an NVIDIA device is visible.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { WorkerConfig } from '../config/definitions.js';
import { LLM_BACKEND_ALIASES, llmBackendName, type LlmBackendName } from '../executors/llm/backendNames.js';
import { advertisedCpu } from '../protocol/capacity.js';
import type { RegisterRequest } from '../protocol/schemas.js';

/** Bytes as the gateway writes memory: `16Gi`, or `512Mi` below 1 GiB. */
export function formatMemory(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1) return `${Math.floor(gib)}Gi`;
  return `${Math.max(1, Math.floor(bytes / 2 ** 20))}Mi`;
}

/**
 * A backend name as the gateway normalises it (`normalizeBackend` in its
 * scheduler), for registered backends and a task's `backend` alike: trimmed,
 * lower-cased, `remote-api` -> `remote_api`, `llamacpp` -> `llama.cpp`, nothing
 * else. In particular `remote` stays `remote`.
 */
export function normaliseBackend(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower === 'remote-api') return 'remote_api';
  if (lower === 'llamacpp') return 'llama.cpp';
  return lower;
}

/**
 * The backends to register, so that the gateway's backend filter (a task's
 * normalised `backend` must equal one of the worker's) sends this worker every
 * llm_inference task it can run, and none it cannot:
 * - the backends it runs: SPLAI_WORKER_BACKENDS (under any alias) plus each one
 *   whose base URL is configured, as the reference does; names no executor
 *   knows are left out, since every task naming them would fail here;
 * - for each, every alias a task may use, as the gateway normalises it. The
 *   gateway keeps `remote` apart from `remote_api`, while this worker (and the
 *   reference) runs both on the remote API, so `remote_api` is registered as
 *   `remote_api` and `remote`. `remote-api` and `llamacpp` need nothing: the
 *   gateway turns them into `remote_api` and `llama.cpp`.
 * Sorted, without duplicates.
 */
export function inferBackends(config: WorkerConfig): string[] {
  const runs = new Set<LlmBackendName>();
  for (const listed of config.workerBackends) {
    const backend = llmBackendName(listed);
    if (backend !== undefined) runs.add(backend);
  }
  if (config.ollamaBaseUrl) runs.add('ollama');
  if (config.vllmBaseUrl) runs.add('vllm');
  if (config.llamacppBaseUrl) runs.add('llama.cpp');
  if (config.remoteApiBaseUrl) runs.add('remote_api');
  const names = [...runs].flatMap((backend) => LLM_BACKEND_ALIASES[backend].map(normaliseBackend));
  return [...new Set(names)].sort();
}

const KNOWN_TOOLS = ['bash', 'python3', 'git', 'hf', 'huggingface-cli'];

/** Which of the tools tasks commonly need are on PATH. */
export function detectTools(path = process.env['PATH'] ?? ''): string[] {
  const dirs = path.split(delimiter).filter((d) => d !== '');
  return KNOWN_TOOLS.filter((tool) =>
    dirs.some((dir) => {
      try {
        accessSync(join(dir, tool), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

/** Paths whose presence means an NVIDIA GPU and driver are visible (device node, driver proc entry). */
export const NVIDIA_PROBES = ['/dev/nvidia0', '/proc/driver/nvidia/gpus'];

/** `true` forces, `false` (default) denies, `auto` looks for an NVIDIA device (`exists` is replaceable in tests). */
export function detectGpu(setting: WorkerConfig['gpu'], exists: (path: string) => boolean = existsSync): boolean {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  return NVIDIA_PROBES.some((path) => exists(path));
}

/**
 * The `cpu` this worker registers: SPLAI_WORKER_CPU when set, else enough for
 * the gateway to allow one task more than the slots (protocol/capacity.ts says
 * why), and never less than the host's count.
 */
export function registeredCpu(config: WorkerConfig): number {
  return advertisedCpu({ configured: config.workerCpu, slots: config.maxParallelTasks, hostCpus: cpus().length });
}

/** The register body for this host and configuration (models are listed by the caller). */
export function hostCapabilities(config: WorkerConfig, models: readonly string[]): RegisterRequest {
  return {
    worker_id: config.workerId,
    cpu: registeredCpu(config),
    memory: config.workerMemory !== '' ? config.workerMemory : formatMemory(totalmem()),
    gpu: detectGpu(config.gpu),
    models: [...new Set([...config.workerModels, ...models])].sort(),
    tools: config.workerTools.length > 0 ? config.workerTools : detectTools(),
    backends: inferBackends(config),
    locality: config.locality,
  };
}
