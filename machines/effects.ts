/**
 * Everything the machines do to the outside world, as one injectable interface.
 * The machines only decide; these functions act. The daemon passes real ones
 * (HTTP client, reporter, thread pool), tests pass fakes, and both get the very
 * same machines (see createSupervisorLogic).
 */
import type { Assignment, PollReply, RegisterResponse, ReportRequest, WorkerHealth } from '../protocol/schemas.js';

/** What became of a report. `queued`: not delivered yet, still being retried. */
export type ReportOutcome = 'delivered' | 'stale-lease' | 'job-gone' | 'rejected' | 'refused' | 'queued';

/** Which actor a log line is about. */
export type ActorName = 'supervisor' | 'registration' | 'heartbeat' | 'poller' | 'task';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly actor: ActorName;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface HeartbeatLoad {
  readonly runningTasks: number;
  readonly queueDepth: number;
  readonly health: WorkerHealth;
}

/** The outcome of running one assignment. Never a thrown error: failures are values. */
export type ExecutionResult =
  | { readonly ok: true; readonly uri: string; readonly durationMillis: number; readonly executorMillis: number; readonly modelInstalled?: string }
  | { readonly ok: false; readonly error: string; readonly durationMillis: number; readonly executorMillis: number };

export interface WorkerEffects {
  /** Register this worker (capabilities are gathered by the implementation). */
  register(signal: AbortSignal): Promise<RegisterResponse>;
  heartbeat(load: HeartbeatLoad, signal: AbortSignal): Promise<void>;
  /** Raw items (the supervisor validates each one), or `null` when the queue was empty (see PollReply). */
  poll(maxTasks: number, signal: AbortSignal): Promise<PollReply>;
  /** Hand a report to the reporter; resolves with its first delivery outcome. */
  report(report: ReportRequest): Promise<ReportOutcome>;
  /** Run an assignment in the pool; `signal` aborts it (drain deadline, cancel). */
  execute(assignment: Assignment, signal: AbortSignal): Promise<ExecutionResult>;
  /** Wait for pending reports; resolves with how many are left. */
  flushReports(timeoutMillis: number): Promise<number>;
  /** Tell running tasks that the worker is draining. */
  announceDraining(): void;
  log(entry: LogEntry): void;
}

/** Effects that do nothing; a base for tests that override a few. */
export const inertEffects: WorkerEffects = {
  register: async () => ({ accepted: true, heartbeat_interval_seconds: 5 }),
  heartbeat: async () => undefined,
  poll: async () => [],
  report: async () => 'delivered',
  execute: async () => ({ ok: false, error: 'no executor', durationMillis: 0, executorMillis: 0 }),
  flushReports: async () => 0,
  announceDraining: () => undefined,
  log: () => undefined,
};
