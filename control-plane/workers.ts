/**
 * Worker records: how a register body becomes the gateway's view of a worker.
 */
import type { RegisterBody } from './wire.js';
import type { WorkerRecord, WorkerView } from './types.js';

/**
 * The gateway's backend normalisation: lower-case, `remote-api` -> `remote_api`,
 * `llamacpp` -> `llama.cpp`. Applied to registered backends and to a task's
 * `backend` input alike, so both sides of the match use the same names.
 */
export function normalizeBackend(name: string): string {
  const lower = name.trim().toLowerCase();
  if (lower === 'remote-api') return 'remote_api';
  if (lower === 'llamacpp') return 'llama.cpp';
  return lower;
}

/** Normalised, without empties and duplicates. */
export function normalizeBackends(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizeBackend).filter((b) => b !== ''))];
}

/** The record for a register body (an upsert replaces the previous record). */
export function workerFromRegister(workerId: string, body: RegisterBody, nowMs: number): WorkerRecord {
  return {
    workerId,
    cpu: body.cpu ?? 0,
    memory: body.memory ?? '',
    gpu: body.gpu ?? false,
    models: [...new Set(body.models ?? [])],
    tools: [...(body.tools ?? [])],
    backends: normalizeBackends(body.backends ?? []),
    locality: body.locality ?? '',
    health: 'healthy',
    queueDepth: 0,
    runningTasks: 0,
    cpuUtilization: 0,
    memoryUtilization: 0,
    registeredAtMs: nowMs,
    lastHeartbeatMs: 0,
  };
}

export function workerView(worker: WorkerRecord): WorkerView {
  return {
    worker_id: worker.workerId,
    cpu: worker.cpu,
    memory: worker.memory,
    gpu: worker.gpu,
    models: [...worker.models],
    tools: [...worker.tools],
    backends: [...worker.backends],
    locality: worker.locality,
    health: worker.health,
    queue_depth: worker.queueDepth,
    running_tasks: worker.runningTasks,
    cpu_utilization: worker.cpuUtilization,
    memory_utilization: worker.memoryUtilization,
    last_heartbeat_ms: worker.lastHeartbeatMs,
  };
}
