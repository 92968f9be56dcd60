/**
 * Prometheus metrics of one worker, on a registry of its own (no global one:
 * two workers in one process, or a host application with its own metrics, must
 * not collide).
 *
 * Nothing here touches the machines. Values come from three places, chosen so
 * that a worker nobody scrapes pays almost nothing:
 * - gauges (in-flight, free slots, registrations, outbox depth) are read from the
 *   supervisor snapshot and the reporter only when `/metrics` is scraped;
 * - task counters and durations are fed by one subscription to the root actor,
 *   which compares the `tasks` record of consecutive snapshots (a finished task is
 *   one that left it);
 * - control-plane call counts and errors come from the client's `around` hook.
 */
import type { Operation } from '../actors/classifyResponse.js';
import { TASK_TYPES } from '../executors/registry.js';
import type { SupervisorContext, TaskEntry } from '../machines/supervisor.js';
import type { Actor } from 'xstate';
import type { Reporter } from '../actors/reporter.js';
import type { WorkerConfig } from '../config/definitions.js';
import type { supervisorMachine } from '../machines/supervisor.js';
import { ControlPlaneCallStats } from './callStats.js';
import { Counter, Gauge, Histogram } from './instruments.js';
import { MetricRegistry } from './metricRegistry.js';
import { registerProcessMetrics } from './processMetrics.js';

/** Task outcomes as the metrics label them (`Abandoned`: the control plane no longer wanted it). */
export type TaskMetricStatus = 'Completed' | 'Failed' | 'Abandoned';

export interface WorkerMetricsOptions {
  /** Add the process metrics (CPU, memory, file descriptors, event loop, GC: telemetry/processMetrics.ts). Default true. */
  readonly processMetrics?: boolean;
}

/** What the metrics observe of a worker (a SplaiWorker is one). */
export interface ObservedWorker {
  readonly actor: Actor<typeof supervisorMachine>;
  readonly reporter: Pick<Reporter, 'pending'>;
  readonly config: Pick<WorkerConfig, 'workerId'>;
}

export interface AttachOptions {
  /** The sandbox level commands run under (SPLAI_SANDBOX resolved on this host). */
  readonly sandboxLevel?: string;
  readonly version?: string;
}

/** Metric names, for docs and tests. */
export const METRIC_NAMES = [
  'worker_tasks_executed_total',
  'worker_task_failures_total',
  'worker_task_duration_ms',
  'worker_tasks_total',
  'worker_task_duration_seconds',
  'worker_tasks_in_flight',
  'worker_free_slots',
  'worker_max_parallel_tasks',
  'worker_control_plane_requests_total',
  'worker_poll_errors_total',
  'worker_heartbeat_errors_total',
  'worker_registrations_total',
  'worker_reregistrations_total',
  'worker_report_outbox_depth',
  'worker_sandbox_level',
  'worker_ready',
  'worker_health',
  'worker_info',
] as const;

/** Task types come from the network: any other name is counted as `other`, so labels stay few. */
const KNOWN_TYPES = new Set(TASK_TYPES);
const typeLabel = (type: string) => (KNOWN_TYPES.has(type) ? type : 'other');

const MS_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000];
const SECOND_BUCKETS = MS_BUCKETS.map((ms) => ms / 1000);

/** The metrics of one worker; see docs/operations.md for the list. */
export class WorkerMetrics {
  readonly registry = new MetricRegistry();
  /** Control-plane call counts and last success times (also read by `/status`). */
  readonly calls = new ControlPlaneCallStats();

  private readonly executed = this.registry.register(new Counter({ name: 'worker_tasks_executed_total', help: 'Tasks this worker ran to a final report (Completed or Failed), by task type (unknown types as other).', labelNames: ['type'] }));
  private readonly failures = this.registry.register(new Counter({ name: 'worker_task_failures_total', help: 'Tasks reported Failed, by task type.', labelNames: ['type'] }));
  private readonly durationMs = this.registry.register(new Histogram({ name: 'worker_task_duration_ms', help: 'Task duration in milliseconds, from assignment to final report queued, by task type.', labelNames: ['type'], buckets: MS_BUCKETS }));
  private readonly byStatus = this.registry.register(new Counter({ name: 'worker_tasks_total', help: 'Finished tasks by type and status (Completed, Failed, Abandoned).', labelNames: ['type', 'status'] }));
  private readonly durationSeconds = this.registry.register(new Histogram({ name: 'worker_task_duration_seconds', help: 'Task duration in seconds by type and status.', labelNames: ['type', 'status'], buckets: SECOND_BUCKETS }));

  private source: { context: () => SupervisorContext | undefined; pending: () => number; ready: () => boolean } | undefined;
  private sandboxLevel = 'unknown';
  private version = '0.0.0';
  private workerId = '';

  constructor(options: WorkerMetricsOptions = {}) {
    const register = <F extends Counter | Gauge>(family: F) => this.registry.register(family);
    const self = () => this.source;
    const contextOf = () => self()?.context();
    register(new Gauge({
      name: 'worker_tasks_in_flight',
      help: 'Tasks running now.',
      collect: (metric) => {
        metric.set({}, contextOf()?.inFlight ?? 0);
      },
    }));
    register(new Gauge({
      name: 'worker_free_slots',
      help: 'Slots free for new tasks (max parallel tasks minus in-flight).',
      collect: (metric) => {
        const context = contextOf();
        metric.set({}, context === undefined ? 0 : Math.max(0, context.maxParallelTasks - context.inFlight));
      },
    }));
    register(new Gauge({
      name: 'worker_max_parallel_tasks',
      help: 'Configured SPLAI_MAX_PARALLEL_TASKS.',
      collect: (metric) => {
        metric.set({}, contextOf()?.maxParallelTasks ?? 0);
      },
    }));
    const calls = this.calls;
    register(new Counter({
      name: 'worker_control_plane_requests_total',
      help: 'Control-plane calls by operation and outcome (ok, or the error kind: transient, auth, not-registered, ...).',
      labelNames: ['operation', 'outcome'],
      collect: (metric) => {
        metric.reset();
        for (const [operation, outcomes] of calls.counts()) for (const [outcome, n] of outcomes) metric.inc({ operation, outcome }, n);
      },
    }));
    register(new Counter({
      name: 'worker_poll_errors_total',
      help: 'Failed assignment polls.',
      collect: (metric) => {
        metric.reset();
        metric.inc({}, calls.errors('poll'));
      },
    }));
    register(new Counter({
      name: 'worker_heartbeat_errors_total',
      help: 'Failed heartbeats.',
      collect: (metric) => {
        metric.reset();
        metric.inc({}, calls.errors('heartbeat'));
      },
    }));
    register(new Counter({
      name: 'worker_registrations_total',
      help: 'Accepted registrations (the first one included).',
      collect: (metric) => {
        metric.reset();
        metric.inc({}, contextOf()?.registrations ?? 0);
      },
    }));
    register(new Counter({
      name: 'worker_reregistrations_total',
      help: 'Registrations after the first (the control plane forgot the worker, or its models changed).',
      collect: (metric) => {
        metric.reset();
        metric.inc({}, Math.max(0, (contextOf()?.registrations ?? 0) - 1));
      },
    }));
    register(new Gauge({
      name: 'worker_report_outbox_depth',
      help: 'Reports waiting for delivery to the control plane.',
      collect: (metric) => {
        metric.set({}, self()?.pending() ?? 0);
      },
    }));
    const level = () => this.sandboxLevel;
    register(new Gauge({
      name: 'worker_sandbox_level',
      help: 'Sandbox of tool_execution commands: 1 for the level in use (bwrap, unshare, none).',
      labelNames: ['level'],
      collect: (metric) => {
        metric.reset();
        metric.set({ level: level() }, 1);
      },
    }));
    register(new Gauge({
      name: 'worker_ready',
      help: '1 when registered and not draining (as /readyz).',
      collect: (metric) => {
        metric.set({}, self()?.ready() === true ? 1 : 0);
      },
    }));
    register(new Gauge({
      name: 'worker_health',
      help: 'What the heartbeats announce: 1 for the current value (healthy, degraded, unhealthy from the drain on).',
      labelNames: ['health'],
      collect: (metric) => {
        metric.reset();
        const health = contextOf()?.health;
        if (health !== undefined) metric.set({ health }, 1);
      },
    }));
    const info = () => ({ version: this.version, worker_id: this.workerId });
    register(new Gauge({
      name: 'worker_info',
      help: 'Always 1; labels carry the version and worker id.',
      labelNames: ['version', 'worker_id'],
      collect: (metric) => {
        metric.reset();
        metric.set(info(), 1);
      },
    }));
    if (options.processMetrics ?? true) registerProcessMetrics(this.registry);
  }

  /** Wrap every control-plane call (pass as `instrument.around` to createWorker). */
  readonly around = <T>(operation: Operation, call: () => Promise<T>): Promise<T> => this.calls.around(operation, call);

  /**
   * Feed the task metrics from a worker and read its gauges at scrape time.
   * Returns a function that detaches.
   */
  attach(worker: ObservedWorker, options: AttachOptions = {}): () => void {
    if (options.sandboxLevel !== undefined) this.sandboxLevel = options.sandboxLevel;
    if (options.version !== undefined) this.version = options.version;
    this.workerId = worker.config.workerId;
    this.source = {
      context: () => worker.actor.getSnapshot().context,
      pending: () => worker.reporter.pending,
      ready: () => isReadyState(worker.actor.getSnapshot().value),
    };
    let previous = worker.actor.getSnapshot().context;
    const subscription = worker.actor.subscribe({
      next: (snapshot) => {
        const context = snapshot.context;
        // Most snapshots leave `tasks` untouched: one identity check and out.
        if (context.tasks !== previous.tasks) this.settleFinished(previous, context);
        previous = context;
      },
      error: () => undefined,
    });
    return () => subscription.unsubscribe();
  }

  /** The text exposition (Prometheus 0.0.4). */
  render(): Promise<string> {
    return this.registry.render();
  }

  /** The Content-Type of {@link WorkerMetrics.render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private settleFinished(before: SupervisorContext, after: SupervisorContext): void {
    let completed = after.completed - before.completed;
    let failed = after.failed - before.failed;
    for (const [id, entry] of Object.entries(before.tasks)) {
      if (id in after.tasks) continue;
      // One task finishes per event, so the counter that moved names its outcome.
      let status: TaskMetricStatus = 'Abandoned';
      if (failed > 0) {
        status = 'Failed';
        failed--;
      } else if (completed > 0) {
        status = 'Completed';
        completed--;
      }
      this.recordTask(entry, status, Date.now() - entry.startedAt);
    }
  }

  /** Count one finished task (exposed for callers that learn of tasks another way). */
  recordTask(entry: Pick<TaskEntry, 'type'>, status: TaskMetricStatus, durationMillis: number): void {
    const type = typeLabel(entry.type);
    const millis = Math.max(0, durationMillis);
    // Abandoned tasks never ran (the control plane no longer wanted them).
    if (status !== 'Abandoned') this.executed.inc({ type });
    if (status === 'Failed') this.failures.inc({ type });
    this.byStatus.inc({ type, status });
    this.durationMs.observe({ type }, millis);
    this.durationSeconds.observe({ type, status }, millis / 1000);
  }
}

/** Registered and not draining: the supervisor is idle or busy. */
export function isReadyState(value: unknown): boolean {
  return value === 'idle' || value === 'busy' || value === 'operating';
}
