/**
 * The JSON of `/status`: what a human (or a probe) wants to know about a running
 * worker, read from the supervisor snapshot. Settings are never included, so no
 * secret can leak through it.
 */
import { secretValues } from '../config/load.js';
import type { SplaiWorker } from './createWorker.js';
import { redact } from './logger.js';
import type { ControlPlaneCallStats } from '../telemetry/callStats.js';
import { isReadyState } from '../telemetry/metrics.js';

export interface WorkerStatus {
  readonly worker_id: string;
  readonly version: string;
  /** Supervisor state: registering, idle, busy, draining.<substate>, stopped, failed. */
  readonly state: string;
  readonly ready: boolean;
  /** What the heartbeats announce: healthy, degraded, or unhealthy from the drain on. */
  readonly health: string;
  readonly slots: { readonly max: number; readonly free: number };
  readonly in_flight: readonly {
    readonly job_id: string;
    readonly task_id: string;
    readonly type: string;
    readonly attempt: number;
    readonly started: string;
  }[];
  /** ISO time of the last accepted heartbeat, null before the first (or without call stats). */
  readonly last_heartbeat: string | null;
  readonly registrations: number;
  readonly completed: number;
  readonly failed: number;
  readonly reports_pending: number;
  readonly sandbox_level: string;
  readonly uptime_seconds: number;
  /** Why the worker failed, when it did. */
  readonly error?: string;
}

/** `idle`, or `draining.flushing` for a nested state. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => `${key}.${stateName(child)}`)
      .join(',');
  }
  return String(value);
}

export interface StatusSources {
  readonly version: string;
  readonly sandboxLevel: string;
  readonly calls?: ControlPlaneCallStats;
  readonly startedAt: number;
}

export function workerStatus(worker: Pick<SplaiWorker, 'actor' | 'reporter' | 'config'>, sources: StatusSources): WorkerStatus {
  const snapshot = worker.actor.getSnapshot();
  const context = snapshot.context;
  const lastBeat = sources.calls?.lastSuccess('heartbeat');
  return {
    worker_id: worker.config.workerId,
    version: sources.version,
    state: stateName(snapshot.value),
    ready: snapshot.status === 'active' && isReadyState(snapshot.value),
    health: context.health,
    slots: { max: context.maxParallelTasks, free: Math.max(0, context.maxParallelTasks - context.inFlight) },
    in_flight: Object.values(context.tasks).map((task) => ({
      job_id: task.jobId,
      task_id: task.taskId,
      type: task.type,
      attempt: task.attempt,
      started: new Date(task.startedAt).toISOString(),
    })),
    last_heartbeat: lastBeat === undefined ? null : new Date(lastBeat).toISOString(),
    registrations: context.registrations,
    completed: context.completed,
    failed: context.failed,
    reports_pending: worker.reporter.pending,
    sandbox_level: sources.sandboxLevel,
    uptime_seconds: Math.round((Date.now() - sources.startedAt) / 1000),
    ...(context.error === '' ? {} : { error: redact(context.error, secretValues(worker.config)) }),
  };
}
