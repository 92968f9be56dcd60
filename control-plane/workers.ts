/**
 * Worker records: how a register body becomes the gateway's record of a worker
 * (RegisterWorker), what a heartbeat changes in it (UpdateWorkerHeartbeat), and
 * the model a completed model_download adds.
 */
import type { HeartbeatBody, RegisterBody } from './wire.js';
import type { WorkerRecord } from './types.js';

/**
 * The gateway's backend normalisation (normalizeBackend): trimmed, lower-case,
 * `remote-api` -> `remote_api`, `llamacpp` -> `llama.cpp`. Applied to registered
 * backends, to tools and to a task's `backend` input alike.
 */
export function normalizeBackend(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower === 'remote-api') return 'remote_api';
  if (lower === 'llamacpp') return 'llama.cpp';
  return lower;
}

/** Normalised, without empties and duplicates, sorted (normalizeBackends). */
export function normalizeBackends(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizeBackend).filter((b) => b !== ''))].sort();
}

/** Tool names that count as a backend inventory (workerHasBackendInventory). */
const backendTools: ReadonlySet<string> = new Set(['ollama', 'vllm', 'llama.cpp', 'remote_api']);

/** The gateway compares model and tool names trimmed and case-insensitively (its `contains`). */
export const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * The record for a register body. Registering replaces the whole record: models,
 * tools, backends, locality, health back to `healthy`, load back to 0.
 */
export function workerFromRegister(workerId: string, body: RegisterBody, nowMs: number): WorkerRecord {
  const tools = [...(body.tools ?? [])];
  const backends = normalizeBackends(body.backends ?? []);
  const normalisedTools = tools.map(normalizeBackend);
  const models = [...(body.models ?? [])];
  return {
    workerId,
    cpu: body.cpu ?? 0,
    memory: body.memory ?? '',
    gpu: body.gpu ?? false,
    models,
    tools,
    backends,
    locality: body.locality ?? '',
    health: 'healthy',
    queueDepth: 0,
    runningTasks: 0,
    cpuUtilization: 0,
    memoryUtilization: 0,
    registeredAtMs: nowMs,
    lastHeartbeatMs: nowMs,
    modelKeys: new Set(models.map(nameKey)),
    hasBash: tools.some((t) => nameKey(t) === 'bash'),
    backendKeys: new Set([...backends, ...normalisedTools]),
    hasBackendInventory: backends.length > 0 || normalisedTools.some((t) => backendTools.has(t)),
  };
}

/** What a heartbeat records: load and health (empty health means `healthy`). */
export function recordHeartbeat(worker: WorkerRecord, body: HeartbeatBody, nowMs: number): void {
  worker.queueDepth = body.queue_depth ?? 0;
  worker.runningTasks = body.running_tasks ?? 0;
  worker.cpuUtilization = body.cpu_utilization ?? 0;
  worker.memoryUtilization = body.memory_utilization ?? 0;
  worker.health = body.health || 'healthy';
  worker.lastHeartbeatMs = nowMs;
}

/**
 * After a completed model_download the gateway appends the task's model to the
 * reporting worker's models, unless it is listed already (case-insensitive).
 */
export function addModel(worker: WorkerRecord, model: string): void {
  const key = nameKey(model);
  if (worker.modelKeys.has(key)) return;
  worker.models.push(model);
  worker.modelKeys.add(key);
}
