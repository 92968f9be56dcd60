/**
 * What this host offers, for the register call. Detected, then overridden by
 * configuration. CPU-first: `gpu` is false unless configured (SPLAI_GPU=true),
 * or `auto` and an NVIDIA device is visible.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { WorkerConfig } from '../config/definitions.js';
import type { RegisterRequest } from '../protocol/schemas.js';

/** Bytes as the gateway writes memory: `16Gi`, or `512Mi` below 1 GiB. */
export function formatMemory(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1) return `${Math.floor(gib)}Gi`;
  return `${Math.max(1, Math.floor(bytes / 2 ** 20))}Mi`;
}

/** Backend names as the gateway normalises them. */
export function normaliseBackend(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower === 'remote-api' || lower === 'remote') return 'remote_api';
  if (lower === 'llamacpp') return 'llama.cpp';
  return lower;
}

/** SPLAI_WORKER_BACKENDS plus each backend whose base URL is configured, as the reference does. */
export function inferBackends(config: WorkerConfig): string[] {
  const backends = config.workerBackends.map(normaliseBackend);
  if (config.ollamaBaseUrl) backends.push('ollama');
  if (config.vllmBaseUrl) backends.push('vllm');
  if (config.llamacppBaseUrl) backends.push('llama.cpp');
  if (config.remoteApiBaseUrl) backends.push('remote_api');
  return [...new Set(backends.filter((b) => b !== ''))];
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

/** The register body for this host and configuration (models are listed by the caller). */
export function hostCapabilities(config: WorkerConfig, models: readonly string[]): RegisterRequest {
  return {
    worker_id: config.workerId,
    cpu: config.workerCpu > 0 ? config.workerCpu : cpus().length,
    memory: config.workerMemory !== '' ? config.workerMemory : formatMemory(totalmem()),
    gpu: detectGpu(config.gpu),
    models: [...new Set([...config.workerModels, ...models])].sort(),
    tools: config.workerTools.length > 0 ? config.workerTools : detectTools(),
    backends: inferBackends(config),
    locality: config.locality,
  };
}
