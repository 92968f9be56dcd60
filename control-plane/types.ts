/**
 * State records of the development control plane and the views it shows of them.
 *
 * Records are the mutable in-memory state (camelCase, owned by ControlPlane).
 * Views are what `GET /v1/jobs/...` and the in-process API return: plain JSON with
 * the gateway's snake_case field names, safe to hand out (copies, not state).
 */
import type { TaskStatus } from '../protocol/schemas.js';

/** Task lifecycle in the scheduler. `Queued` tasks wait for dependencies, backoff or a worker. */
export type TaskState = 'Queued' | 'Assigned' | 'Running' | 'Completed' | 'Failed' | 'Canceled';

/** Job lifecycle. `Archived` exists on the gateway; here only reachable through {@link ControlPlane.archiveJob}. */
export type JobState = 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Archived';

/** Job states after which nothing changes any more. */
export const terminalJobStates: ReadonlySet<JobState> = new Set(['Completed', 'Failed', 'Canceled', 'Archived']);

/** A registered worker, as the gateway keeps it. */
export interface WorkerRecord {
  workerId: string;
  cpu: number;
  memory: string;
  gpu: boolean;
  models: string[];
  tools: string[];
  /** Normalised: lower-case, `remote-api` -> `remote_api`, `llamacpp` -> `llama.cpp`. */
  backends: string[];
  locality: string;
  health: string;
  queueDepth: number;
  runningTasks: number;
  cpuUtilization: number;
  memoryUtilization: number;
  registeredAtMs: number;
  lastHeartbeatMs: number;
}

/** One accepted report, kept in the task's history. */
export interface ReportEntry {
  worker_id: string;
  status: TaskStatus;
  lease_id: string;
  idempotency_key: string;
  output_artifact_uri: string;
  error: string;
  duration_millis: number;
  attempt: number;
  /** Control-plane clock time of acceptance, ms since epoch. */
  at_ms: number;
}

export interface TaskRecord {
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly dependsOn: readonly string[];
  readonly maxRetries: number;
  /** 0 means no deadline. */
  readonly timeoutSec: number;
  /** Submission order across the whole control plane: the FIFO of the scheduler. */
  readonly seq: number;
  status: TaskState;
  attempt: number;
  workerId: string;
  leaseId: string;
  leaseStartMs: number;
  /** 0 means "holds no lease" (cleared by a Running report or on re-queue). */
  leaseExpiresMs: number;
  /** Retry backoff: not assignable before this time. */
  notBeforeMs: number;
  outputUri: string;
  error: string;
  lastIdempotencyKey: string;
  reports: ReportEntry[];
  /** Dependencies not completed yet; the task is ready when this is 0. */
  pendingDeps: number;
  dependents: TaskRecord[];
}

export interface JobRecord {
  readonly jobId: string;
  status: JobState;
  readonly tasks: Map<string, TaskRecord>;
  /** Tasks Completed so far: the job completes when this reaches `tasks.size` (no scan per report). */
  completedTasks: number;
  resultUri: string;
  error: string;
  readonly createdAtMs: number;
  updatedAtMs: number;
}

/** Task counts by state, in a job view. */
export interface TaskCounts {
  total: number;
  queued: number;
  assigned: number;
  running: number;
  completed: number;
  failed: number;
  canceled: number;
}

/** `GET /v1/jobs/{id}` body and {@link ControlPlane.getJob} result. */
export interface JobView {
  job_id: string;
  status: JobState;
  /** The last completed task's output URI once the job completed, else empty. */
  result_artifact_uri: string;
  error: string;
  tasks: TaskCounts;
  created_at_ms: number;
  updated_at_ms: number;
}

/** One entry of `GET /v1/jobs/{id}/tasks` and {@link ControlPlane.tasks}. */
export interface TaskView {
  task_id: string;
  type: string;
  status: TaskState;
  attempt: number;
  max_retries: number;
  timeout_sec: number;
  depends_on: string[];
  worker_id: string;
  lease_id: string;
  lease_expires_at_ms: number;
  output_artifact_uri: string;
  error: string;
  reports: ReportEntry[];
}

/** A registered worker as {@link ControlPlane.workers} shows it. */
export interface WorkerView {
  worker_id: string;
  cpu: number;
  memory: string;
  gpu: boolean;
  models: string[];
  tools: string[];
  backends: string[];
  locality: string;
  health: string;
  queue_depth: number;
  running_tasks: number;
  cpu_utilization: number;
  memory_utilization: number;
  last_heartbeat_ms: number;
}
