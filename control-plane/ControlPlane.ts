/**
 * The development control plane: an in-memory SPLAI gateway and scheduler.
 *
 * It behaves like the real gateway on every point of the wire contract
 * (docs/protocol.md): registration upserts, heartbeats extending leases up to the
 * task deadline, polls answered `{"assignments": null}` when empty, lease ids with
 * the lease start in unix nanoseconds, `Running` clearing the lease, stale-lease
 * 400s, idempotent reports, retries with exponential backoff up to `max_retries`,
 * dependencies passed as `dep:<task>:output_uri` inputs.
 *
 * This class is the one implementation; the HTTP server (httpServer.ts) and the
 * MSW handlers (mswHandlers.ts) are two faces over it (routes.ts). Every operation
 * throws {@link GatewayError} where the gateway answers with an error.
 *
 * Time comes from an injectable clock, and lease expiry is swept lazily at the
 * start of every operation (plus on an optional timer), so tests move a
 * {@link ManualClock} instead of sleeping.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const cp = new ControlPlane({ clock });
 * cp.submitJob({ tasks: [{ task_id: 't1', type: 'embedding', inputs: { text: 'hi' } }] });
 * cp.register({ worker_id: 'w1' });
 * const { assignments } = cp.assignments('w1', 1);
 * cp.report({ worker_id: 'w1', job_id: assignments![0]!.job_id, task_id: 't1',
 *   lease_id: assignments![0]!.lease_id, idempotency_key: 'k1', status: 'Completed',
 *   output_artifact_uri: 'artifact://job-1/t1/output.json' });
 * ```
 */
import type { Assignment, TaskStatus } from '../protocol/schemas.js';
import { buildTokenTable, type TokenSpec, type TokenTable } from './auth.js';
import { systemClock, type Clock } from './clock.js';
import type { ControlPlaneEvent, ControlPlaneListener, ReportOutcome } from './events.js';
import { endpoints, FaultInjector, type Endpoint } from './faults.js';
import { GatewayError } from './GatewayError.js';
import { buildJob, jobView, taskView } from './jobs.js';
import { clearLease, extendLease, grantLease, holdsExtendableLease, leaseExpired, retryBackoffMs } from './leases.js';
import { pickTasks } from './scheduler.js';
import { terminalJobStates, type JobRecord, type JobView, type TaskRecord, type TaskView, type WorkerRecord, type WorkerView } from './types.js';
import { parseJobSubmission, type HeartbeatBody, type JobSubmission, type RegisterBody, type ReportBody } from './wire.js';
import { workerFromRegister, workerView } from './workers.js';

/** Settings of a control plane. Every one has the gateway's default. */
export interface ControlPlaneOptions {
  /** Time source (default: the system clock). Pass a ManualClock in tests. */
  readonly clock?: Clock;
  /** Lease duration in ms (gateway: 15 s). */
  readonly leaseMs?: number;
  /** `heartbeat_interval_seconds` of the register reply (gateway: 5). */
  readonly heartbeatIntervalSeconds?: number;
  /** Backoff after the first failure; doubles per attempt (gateway: 1 s). */
  readonly retryBackoffBaseMs?: number;
  /** Backoff cap (gateway: 32 s; default 32 x the base, so scaling the base scales both). */
  readonly retryBackoffMaxMs?: number;
  /** `max_retries` of tasks that give none (gateway: 3). */
  readonly defaultMaxRetries?: number;
  /** Tokens; none (default) disables authentication, as on a gateway without tokens. */
  readonly tokens?: readonly TokenSpec[];
  /** Seed of the fault injector's random sequence (default 1). */
  readonly seed?: number;
}

/** `POST /v1/workers/register` 200 reply. */
export interface RegisterReply {
  accepted: true;
  heartbeat_interval_seconds: number;
}

/** `GET /v1/workers/{id}/assignments` 200 reply; `null` is the gateway's (Go nil slice) empty answer. */
export interface AssignmentsReply {
  assignments: Assignment[] | null;
}

/** `POST /v1/jobs` reply. `created` is false when the job id was already known (then the reply is 200, not 201). */
export interface SubmitReply {
  job_id: string;
  status: JobView['status'];
  created: boolean;
}

/** Options of {@link ControlPlane.restart}. */
export interface RestartOptions {
  /** Keep jobs and tasks (default true); false drops them too, like a real in-memory gateway restart. */
  readonly keepJobs?: boolean;
}

const reportStatuses: ReadonlySet<string> = new Set<TaskStatus>(['Running', 'Completed', 'Failed']);

export class ControlPlane {
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly heartbeatIntervalSeconds: number;
  readonly retryBackoffBaseMs: number;
  readonly retryBackoffMaxMs: number;
  readonly defaultMaxRetries: number;
  /** Token table the faces authenticate against (empty: no auth). */
  readonly tokens: TokenTable;
  /** Fault injection hooks, applied by both faces. */
  readonly faults: FaultInjector;
  /** Requests seen per endpoint by the faces (cheap counters for benchmarks and tests). */
  readonly requestCounts: Record<Endpoint, number> = Object.fromEntries(endpoints.map((e) => [e, 0])) as Record<Endpoint, number>;

  readonly #workers = new Map<string, WorkerRecord>();
  readonly #jobs = new Map<string, JobRecord>();
  /** Queued tasks whose dependencies are complete, in the order they became ready (FIFO). */
  readonly #ready = new Set<TaskRecord>();
  /** Tasks holding a lease; the only ones lease expiry or heartbeats look at. */
  readonly #leased = new Set<TaskRecord>();
  /** Lower bound of the earliest lease expiry, so most sweeps are one comparison. */
  #nextExpiryMs = Number.POSITIVE_INFINITY;
  readonly #listeners = new Set<ControlPlaneListener>();
  #jobCounter = 0;
  #taskSeq = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ControlPlaneOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.heartbeatIntervalSeconds = options.heartbeatIntervalSeconds ?? 5;
    this.retryBackoffBaseMs = options.retryBackoffBaseMs ?? 1000;
    this.retryBackoffMaxMs = options.retryBackoffMaxMs ?? 32 * this.retryBackoffBaseMs;
    this.defaultMaxRetries = options.defaultMaxRetries ?? 3;
    this.tokens = buildTokenTable(options.tokens ?? []);
    this.faults = new FaultInjector(options.seed ?? 1);
  }

  // ---------------------------------------------------------------- workers

  /** `POST /v1/workers/register`: upsert. 400 `worker_id is required`. */
  register(body: RegisterBody): RegisterReply {
    this.sweep();
    const workerId = body.worker_id ?? '';
    if (workerId === '') throw new GatewayError(400, 'worker_id is required');
    this.#workers.set(workerId, workerFromRegister(workerId, body, this.clock.now()));
    this.#emit({ type: 'worker.registered', workerId });
    return { accepted: true, heartbeat_interval_seconds: this.heartbeatIntervalSeconds };
  }

  /**
   * `POST /v1/workers/{id}/heartbeat`: records the worker's load and extends the
   * lease of each task it holds. 404 `worker not registered`.
   */
  heartbeat(workerId: string, body: HeartbeatBody = {}): { accepted: true } {
    this.sweep();
    const worker = this.#requireWorker(workerId);
    const now = this.clock.now();
    worker.queueDepth = body.queue_depth ?? 0;
    worker.runningTasks = body.running_tasks ?? 0;
    worker.cpuUtilization = body.cpu_utilization ?? 0;
    worker.memoryUtilization = body.memory_utilization ?? 0;
    worker.health = body.health || 'healthy';
    worker.lastHeartbeatMs = now;
    for (const task of this.#leased) {
      if (holdsExtendableLease(task, workerId)) extendLease(task, now, this.leaseMs);
    }
    this.#emit({ type: 'worker.heartbeat', workerId });
    return { accepted: true };
  }

  /**
   * `GET /v1/workers/{id}/assignments?max_tasks=N`: leases up to N ready tasks to
   * the worker. N < 1 or not a number counts as 1. 404 `worker not registered`.
   */
  assignments(workerId: string, maxTasks: number): AssignmentsReply {
    this.sweep();
    const worker = this.#requireWorker(workerId);
    const max = Number.isFinite(maxTasks) && maxTasks >= 1 ? Math.floor(maxTasks) : 1;
    const now = this.clock.now();
    const picked = pickTasks(this.#ready, worker, max, (task) => task.status === 'Queued' && task.notBeforeMs <= now && this.#jobAcceptsWork(task));
    if (picked.length === 0) return { assignments: null };
    const out: Assignment[] = [];
    for (const task of picked) {
      this.#ready.delete(task);
      grantLease(task, workerId, now, this.leaseMs);
      this.#trackLease(task);
      const job = this.#jobs.get(task.jobId);
      if (job?.status === 'Queued') this.#setJobStatus(job, 'Running');
      const assignment: Assignment = {
        job_id: task.jobId,
        task_id: task.taskId,
        type: task.type,
        inputs: this.#assignmentInputs(task, job),
        attempt: task.attempt,
        lease_id: task.leaseId,
      };
      out.push(assignment);
      this.#emit({ type: 'task.assigned', workerId, assignment });
    }
    return { assignments: out };
  }

  /** Registered workers (copies). */
  workers(): WorkerView[] {
    return [...this.#workers.values()].map(workerView);
  }

  /** One registered worker, or undefined. */
  worker(workerId: string): WorkerView | undefined {
    const worker = this.#workers.get(workerId);
    return worker ? workerView(worker) : undefined;
  }

  /** Forgets every worker, as an in-memory gateway does when it restarts: their next heartbeat or poll gets 404. */
  forgetWorkers(): void {
    this.#workers.clear();
  }

  /** Simulates a gateway restart: workers are forgotten; jobs are kept unless `keepJobs: false`. */
  restart(options: RestartOptions = {}): void {
    this.forgetWorkers();
    if (options.keepJobs === false) {
      this.#jobs.clear();
      this.#ready.clear();
      this.#leased.clear();
      this.#nextExpiryMs = Number.POSITIVE_INFINITY;
    }
  }

  // ---------------------------------------------------------------- reports

  /**
   * `POST /v1/tasks/report`. 404 `job not found`; 400 `task <id> not found`;
   * 400 `stale lease for task <id>`; 200 without change for a Canceled/Archived
   * job or a repeated idempotency key.
   */
  report(body: ReportBody): { accepted: true } {
    this.sweep();
    const job = this.#jobs.get(body.job_id ?? '');
    if (!job) throw new GatewayError(404, 'job not found');
    if (job.status === 'Canceled' || job.status === 'Archived') return this.#reported(body, 'ignored');
    const taskId = body.task_id ?? '';
    const task = job.tasks.get(taskId);
    if (!task) throw new GatewayError(400, `task ${taskId} not found`);
    const key = body.idempotency_key ?? '';
    if (key !== '' && key === task.lastIdempotencyKey) return this.#reported(body, 'duplicate');
    const leaseId = body.lease_id ?? '';
    // A task without a lease (cleared by a Running report) never makes a report stale.
    if (leaseId !== '' && task.leaseId !== '' && leaseId !== task.leaseId) {
      this.#emit({ type: 'report', outcome: 'stale', report: body });
      throw new GatewayError(400, `stale lease for task ${taskId}`);
    }
    const status = body.status || 'Completed';
    if (!reportStatuses.has(status)) throw new GatewayError(400, `invalid status ${status}`);
    // The gateway's doc does not say; here a task that already ended stays ended.
    if (task.status === 'Completed' || task.status === 'Failed' || task.status === 'Canceled') {
      return this.#reported(body, 'ignored');
    }
    const now = this.clock.now();
    task.lastIdempotencyKey = key;
    task.reports.push({
      worker_id: body.worker_id ?? '',
      status: status as TaskStatus,
      lease_id: leaseId,
      idempotency_key: key,
      output_artifact_uri: body.output_artifact_uri ?? '',
      error: body.error ?? '',
      duration_millis: body.duration_millis ?? 0,
      attempt: task.attempt,
      at_ms: now,
    });
    job.updatedAtMs = now;
    // A report may arrive for a task waiting in the queue (its lease expired, or it is
    // in retry backoff): whatever it says, the queue must not hand the task out again.
    this.#ready.delete(task);
    if (status === 'Running') this.#markRunning(task, body);
    else if (status === 'Failed') this.#markFailed(job, task, body.error ?? '', now);
    else this.#markCompleted(job, task, body);
    return this.#reported(body, 'accepted');
  }

  #markRunning(task: TaskRecord, body: ReportBody): void {
    // A late Running for a task whose lease expired (re-queued, not yet re-leased) is
    // accepted, as on the gateway; the task must then leave the queue or it would run twice.
    this.#ready.delete(task);
    task.status = 'Running';
    if (body.worker_id) task.workerId = body.worker_id;
    // Gateway behaviour kept on purpose: no lease means lease expiry never re-queues it.
    this.#dropLease(task);
  }

  #markFailed(job: JobRecord, task: TaskRecord, error: string, now: number): void {
    this.#dropLease(task);
    task.error = error;
    if (task.attempt <= task.maxRetries) {
      task.status = 'Queued';
      task.workerId = '';
      task.notBeforeMs = now + retryBackoffMs(task.attempt, this.retryBackoffBaseMs, this.retryBackoffMaxMs);
      this.#ready.add(task);
      this.#emit({ type: 'task.requeued', jobId: job.jobId, taskId: task.taskId, attempt: task.attempt, reason: 'failed', notBeforeMs: task.notBeforeMs });
      return;
    }
    task.status = 'Failed';
    job.error = `task ${task.taskId} failed after ${task.attempt} attempts: ${error}`;
    this.#endJob(job, 'Failed');
  }

  #markCompleted(job: JobRecord, task: TaskRecord, body: ReportBody): void {
    this.#dropLease(task);
    this.#ready.delete(task);
    task.status = 'Completed';
    task.error = '';
    task.outputUri = body.output_artifact_uri ?? '';
    for (const dependent of task.dependents) {
      dependent.pendingDeps -= 1;
      if (dependent.pendingDeps === 0 && dependent.status === 'Queued') this.#ready.add(dependent);
    }
    if (task.type === 'model_download') this.#addModel(task, body.worker_id ?? '');
    job.completedTasks += 1;
    if (job.completedTasks < job.tasks.size) return;
    job.resultUri = task.outputUri;
    this.#setJobStatus(job, 'Completed');
  }

  /** After a completed model_download the gateway adds the model to the worker's inventory itself. */
  #addModel(task: TaskRecord, reporter: string): void {
    const model = (task.inputs['model'] ?? '').trim();
    const worker = this.#workers.get(reporter) ?? this.#workers.get(task.workerId);
    if (model !== '' && worker && !worker.models.includes(model)) worker.models.push(model);
  }

  #reported(body: ReportBody, outcome: ReportOutcome): { accepted: true } {
    this.#emit({ type: 'report', outcome, report: body });
    return { accepted: true };
  }

  // ---------------------------------------------------------------- jobs

  /**
   * Submits a job as an explicit task DAG. Throws GatewayError 400 for an invalid
   * submission (unknown dependency, cycle, duplicate task id, bad field). A job id
   * that already exists returns that job unchanged (`created: false`).
   */
  submitJob(submission: JobSubmission): SubmitReply {
    this.sweep();
    const parsed = parseJobSubmission(submission);
    const existing = parsed.job_id === undefined ? undefined : this.#jobs.get(parsed.job_id);
    if (existing) return { job_id: existing.jobId, status: existing.status, created: false };
    let jobId = parsed.job_id;
    while (jobId === undefined || this.#jobs.has(jobId)) jobId = `job-${++this.#jobCounter}`;
    const job = buildJob(jobId, parsed, { maxRetries: this.defaultMaxRetries }, this.clock.now(), () => ++this.#taskSeq);
    this.#jobs.set(jobId, job);
    for (const task of job.tasks.values()) if (task.pendingDeps === 0) this.#ready.add(task);
    this.#emit({ type: 'job.status', job: jobView(job) });
    return { job_id: jobId, status: job.status, created: true };
  }

  /** Status of a job. 404 `job not found`. */
  getJob(jobId: string): JobView {
    this.sweep();
    return jobView(this.#requireJob(jobId));
  }

  /** Every job, oldest first. */
  jobs(): JobView[] {
    this.sweep();
    return [...this.#jobs.values()].map(jobView);
  }

  /** Each task of a job with its status, attempt, worker, output, error and report history. 404 `job not found`. */
  tasks(jobId: string): TaskView[] {
    this.sweep();
    return [...this.#requireJob(jobId).tasks.values()].map(taskView);
  }

  /** One task of a job. 404 `job not found`, 400 `task <id> not found`. */
  task(jobId: string, taskId: string): TaskView {
    this.sweep();
    const task = this.#requireJob(jobId).tasks.get(taskId);
    if (!task) throw new GatewayError(400, `task ${taskId} not found`);
    return taskView(task);
  }

  /** Cancels a job that has not ended: its open tasks are canceled and later reports ignored. */
  cancelJob(jobId: string): JobView {
    this.sweep();
    const job = this.#requireJob(jobId);
    if (!terminalJobStates.has(job.status)) this.#endJob(job, 'Canceled');
    return jobView(job);
  }

  /** Archives a job (the gateway's other "reports are ignored" state). */
  archiveJob(jobId: string): JobView {
    this.sweep();
    const job = this.#requireJob(jobId);
    if (job.status !== 'Archived') this.#endJob(job, 'Archived');
    return jobView(job);
  }

  /**
   * Resolves with the job's view once it is Completed, Failed, Canceled or
   * Archived; rejects after `timeoutMs` of real time (default 30 s).
   */
  async waitForJob(jobId: string, options: { timeoutMs?: number } = {}): Promise<JobView> {
    const now = this.getJob(jobId);
    if (terminalJobStates.has(now.status)) return now;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return await new Promise<JobView>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`job ${jobId} did not end within ${timeoutMs} ms (status ${this.getJob(jobId).status})`));
      }, timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (event.type === 'job.status' && event.job.job_id === jobId && terminalJobStates.has(event.job.status)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(event.job);
        }
      });
    });
  }

  // ---------------------------------------------------------------- events and time

  /** Calls `listener` for every event; returns the unsubscribe function. */
  subscribe(listener: ControlPlaneListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` for every report the control plane answered 200 or stale
   * (see ReportOutcome); returns the unsubscribe function.
   */
  onReport(listener: (report: ReportBody, outcome: ReportOutcome) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === 'report') listener(event.report, event.outcome);
    });
  }

  /** Re-queues every Assigned task whose lease has expired. Called by every operation. */
  sweep(): void {
    const now = this.clock.now();
    if (now <= this.#nextExpiryMs) return;
    let next = Number.POSITIVE_INFINITY;
    for (const task of this.#leased) {
      if (leaseExpired(task, now)) {
        this.#leased.delete(task);
        clearLease(task);
        task.workerId = '';
        if (!this.#jobAcceptsWork(task)) {
          // Its job failed meanwhile: nobody will run it again.
          task.status = 'Canceled';
          continue;
        }
        task.status = 'Queued';
        this.#ready.add(task);
        this.#emit({ type: 'task.requeued', jobId: task.jobId, taskId: task.taskId, attempt: task.attempt, reason: 'lease_expired', notBeforeMs: 0 });
      } else if (task.leaseExpiresMs > 0 && task.leaseExpiresMs < next) {
        next = task.leaseExpiresMs;
      }
    }
    this.#nextExpiryMs = next;
  }

  /** Sweeps on a timer too, so status reads and events reflect expiries without traffic. */
  startSweeping(intervalMs = 500): void {
    this.stopSweeping();
    this.#sweeper = setInterval(() => this.sweep(), intervalMs);
    this.#sweeper.unref();
  }

  stopSweeping(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  // ---------------------------------------------------------------- internals

  #requireWorker(workerId: string): WorkerRecord {
    const worker = this.#workers.get(workerId);
    if (!worker) throw new GatewayError(404, 'worker not registered');
    return worker;
  }

  #requireJob(jobId: string): JobRecord {
    const job = this.#jobs.get(jobId);
    if (!job) throw new GatewayError(404, 'job not found');
    return job;
  }

  #jobAcceptsWork(task: TaskRecord): boolean {
    const status = this.#jobs.get(task.jobId)?.status;
    return status === 'Queued' || status === 'Running';
  }

  #assignmentInputs(task: TaskRecord, job: JobRecord | undefined): Record<string, string> {
    const inputs: Record<string, string> = { ...task.inputs };
    for (const dep of task.dependsOn) inputs[`dep:${dep}:output_uri`] = job?.tasks.get(dep)?.outputUri ?? '';
    return inputs;
  }

  #trackLease(task: TaskRecord): void {
    this.#leased.add(task);
    if (task.leaseExpiresMs < this.#nextExpiryMs) this.#nextExpiryMs = task.leaseExpiresMs;
  }

  #dropLease(task: TaskRecord): void {
    clearLease(task);
    this.#leased.delete(task);
  }

  /** Ends a job: its tasks that had not ended are canceled (Failed jobs keep running tasks' reports meaningful). */
  #endJob(job: JobRecord, status: JobRecord['status']): void {
    for (const task of job.tasks.values()) {
      this.#ready.delete(task);
      const open = task.status === 'Queued' || ((task.status === 'Assigned' || task.status === 'Running') && status !== 'Failed');
      if (open) {
        this.#dropLease(task);
        task.status = 'Canceled';
      }
    }
    this.#setJobStatus(job, status);
  }

  #setJobStatus(job: JobRecord, status: JobRecord['status']): void {
    job.status = status;
    job.updatedAtMs = this.clock.now();
    this.#emit({ type: 'job.status', job: jobView(job) });
  }

  #emit(event: ControlPlaneEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A test's listener must not turn a gateway reply into a 500.
        console.error('control-plane listener threw', error);
      }
    }
  }
}
