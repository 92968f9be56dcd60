/**
 * State records of the development control plane and the views it shows of them.
 *
 * Records are the mutable in-memory state (camelCase, owned by the Store, changed
 * only through its transitions so the indexes stay right). Views are what
 * `GET /v1/jobs/...` and the in-process API return: plain JSON with snake_case
 * field names, safe to hand out (copies, not state).
 */
import type { TaskStatus } from '../protocol/schemas.js';

/** Task lifecycle in the scheduler. `Queued` tasks wait for dependencies, backoff or a worker. */
export type TaskState = 'Queued' | 'Assigned' | 'Running' | 'Completed' | 'Failed' | 'Canceled';

/** Job lifecycle. A job with tasks is `Running` from its submission on (AddJob). */
export type JobState = 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Archived';

/** Job states the gateway calls terminal (isTerminal): cancel leaves them alone, archive needs one. */
export const terminalJobStates: ReadonlySet<JobState> = new Set(['Completed', 'Failed', 'Canceled', 'Archived']);

/** A registered worker, as the gateway keeps it, plus lookup sets derived from it for scoring. */
export interface WorkerRecord {
  readonly workerId: string;
  readonly cpu: number;
  readonly memory: string;
  readonly gpu: boolean;
  /** As registered (not deduplicated); a completed model_download appends to it. */
  readonly models: string[];
  readonly tools: readonly string[];
  /** Normalised: lower-case, trimmed, `remote-api` -> `remote_api`, `llamacpp` -> `llama.cpp`, deduplicated, sorted. */
  readonly backends: readonly string[];
  readonly locality: string;
  health: string;
  queueDepth: number;
  runningTasks: number;
  cpuUtilization: number;
  memoryUtilization: number;
  readonly registeredAtMs: number;
  lastHeartbeatMs: number;
  /** Derived: models trimmed and lower-cased (the gateway compares them case-insensitively). */
  readonly modelKeys: Set<string>;
  /** Derived: `tools` holds `bash` (case-insensitive). */
  readonly hasBash: boolean;
  /** Derived: normalised backends and normalised tools (a tool named like a backend supports it). */
  readonly backendKeys: ReadonlySet<string>;
  /** Derived: the worker lists backends, or a tool named ollama, vllm, llama.cpp or remote_api. */
  readonly hasBackendInventory: boolean;
}

/** One accepted report, kept in the task's history. */
export interface ReportEntry {
  worker_id: string;
  /** How the report was applied: `Running`, `Completed`, or `Failed` for any other status. */
  status: TaskStatus;
  /** The status as sent (empty when the report left it out). */
  reported_status: string;
  lease_id: string;
  idempotency_key: string;
  output_artifact_uri: string;
  error: string;
  duration_millis: number;
  /** The task's attempt when the report was applied. */
  attempt: number;
  /** Control-plane clock time of acceptance, ms since epoch. */
  at_ms: number;
}

export interface TaskRecord {
  readonly job: JobRecord;
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  /** The task's inputs after the gateway's injections (`_priority`, `model`, `backend`, ...), keys sorted. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly dependsOn: readonly string[];
  readonly deps: readonly TaskRecord[];
  readonly dependents: TaskRecord[];
  readonly maxRetries: number;
  /** 0 means no deadline. */
  readonly timeoutSec: number;
  /** priorityRank of `_priority`, computed once (inputs never change). */
  readonly rank: number;
  readonly createdAtMs: number;
  status: TaskState;
  attempt: number;
  workerId: string;
  leaseId: string;
  leaseStartMs: number;
  /**
   * The gateway's LeaseExpires: for a leased task, when the lease ends; for a
   * Queued task, the end of its retry backoff (not assignable before). 0 is Go's
   * zero time: none.
   */
  leaseExpiresMs: number;
  outputUri: string;
  error: string;
  lastReportKey: string;
  reports: ReportEntry[];
  /** Dependencies not Completed right now; the task may be assigned only at 0. */
  pendingDeps: number;
  /** How many references to this task the queue holds. */
  queuedRefs: number;
  updatedAtMs: number;
  /** Order of the last update, to break ties of updatedAtMs (pre-emption picks the oldest). */
  updateSeq: number;
  /** Cache of the claim tie hash (poll.ts) for the poller that computed it last. */
  claimTiePoller: string | undefined;
  claimTie: number;
}

export interface JobRecord {
  readonly jobId: string;
  /** Submission order, standing in for the nanosecond creation times of the gateway. */
  readonly seq: number;
  readonly tenant: string;
  readonly priority: string;
  status: JobState;
  /** The gateway's job message (`in progress`, `retrying task <id>`, `all tasks completed`, ...). */
  message: string;
  resultUri: string;
  /** Not a gateway field: the error of the last task that failed, for people reading a failed job. */
  error: string;
  readonly tasks: Map<string, TaskRecord>;
  /** Tasks Completed and Failed right now, so a report recounts in O(1). */
  completedTasks: number;
  failedTasks: number;
  /** Queued tasks whose dependencies are all Completed: what a Completed report enqueues again. */
  readonly readyQueued: Set<TaskRecord>;
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
  /** The gateway's job message; empty until the first report. */
  message: string;
  tenant: string;
  priority: string;
  /** Once the job completed: the output URI of one of its completed tasks, else empty. */
  result_artifact_uri: string;
  /** Not a gateway field: the error of the last task that failed. */
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
  /** The inputs as the gateway stores them, injections included (without `dep:` keys, which are added at assignment). */
  inputs: Record<string, string>;
  worker_id: string;
  lease_id: string;
  /** Lease end, or the end of the retry backoff of a Queued task; 0 for none. */
  lease_expires_at_ms: number;
  output_artifact_uri: string;
  error: string;
  reports: ReportEntry[];
  created_at_ms: number;
  updated_at_ms: number;
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
  /** Tasks the worker may hold before polls give it nothing (from `cpu`, see capacity.ts). */
  capacity: number;
  registered_at_ms: number;
  /** Last heartbeat, or the register time before the first one (as the gateway records it). */
  last_heartbeat_ms: number;
}
