/**
 * The development control plane: an in-memory imitation of the SPLAI api-gateway
 * and its scheduler, rule by rule (internal/api/server.go and
 * internal/scheduler/engine.go of the Go gateway). Each rule lives in its own
 * file and says which gateway function it imitates:
 *
 * - poll.ts: claim window, claim order, what may be assigned, `null` vs `[]`;
 * - queue.ts: the FIFO of task references, duplicates and stale ones included;
 * - score.ts: best worker only, hard filters, score, tie hash;
 * - capacity.ts, preemption.ts: capacity from `cpu` against the last heartbeat;
 * - leases.ts, expiry.ts: lease ids, extension, expiry (only at a poll), timeouts;
 * - reports.ts, jobStatus.ts: reports applied even late, retries, job status;
 * - injection.ts: `_priority`, `model`, `backend` and the other gateway inputs;
 * - auth.ts, routes.ts: who checks tokens, and the order of every check.
 *
 * This class is the one implementation; the HTTP server (httpServer.ts) and the
 * MSW handlers (mswHandlers.ts) are two faces over it (routes.ts). Every
 * operation throws {@link GatewayError} where the gateway answers with an error.
 *
 * Time comes from an injectable clock, so tests move a {@link ManualClock}
 * instead of sleeping. As on the gateway, lease expiry is only looked at when a
 * worker polls (or when a test calls {@link ControlPlane.sweep}).
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const cp = new ControlPlane({ clock });
 * cp.submitJob({ tasks: [{ task_id: 't1', type: 'embedding', inputs: { text: 'hi' } }] });
 * cp.register({ worker_id: 'w1', cpu: 8 });
 * const { assignments } = cp.assignments('w1', 1);
 * cp.report({ worker_id: 'w1', job_id: assignments![0]!.job_id, task_id: 't1',
 *   lease_id: assignments![0]!.lease_id, idempotency_key: 'k1', status: 'Completed',
 *   output_artifact_uri: 'artifact://job-1/t1/output.json' });
 * ```
 */
import type { Assignment } from '../protocol/schemas.js';
import { buildTokenTable, type TokenSpec, type TokenTable } from './auth.js';
import { systemClock, type Clock } from './clock.js';
import type { ControlPlaneEvent, ControlPlaneListener, ReportOutcome } from './events.js';
import { requeueExpiredLeases } from './expiry.js';
import { endpoints, FaultInjector, type Endpoint } from './faults.js';
import { GatewayError } from './GatewayError.js';
import { DEFAULT_BACKEND, DEFAULT_MODEL, planTasks, type InjectionSettings } from './injection.js';
import { setJobStatus } from './jobStatus.js';
import { buildJob } from './jobs.js';
import { extendable, leaseExpiryMs, type Backoff } from './leases.js';
import { pollAssignments, type PollSettings } from './poll.js';
import { seededRandom } from './random.js';
import { DEFAULT_PRIORITY } from './priority.js';
import { reportTaskResult } from './reports.js';
import { isStoreFailure, Store, type StaleRefs } from './store.js';
import { terminalJobStates, type JobRecord, type JobView, type TaskView, type WorkerRecord, type WorkerView } from './types.js';
import { jobView, taskView, workerView } from './views.js';
import { parseJobSubmission, type HeartbeatBody, type JobSubmission, type RegisterBody, type ReportBody } from './wire.js';
import { recordHeartbeat, workerFromRegister } from './workers.js';

/** Settings of a control plane. Every one defaults to the gateway's behaviour. */
export interface ControlPlaneOptions {
  /** Time source (default: the system clock). Pass a ManualClock in tests. */
  readonly clock?: Clock;
  /** Lease duration in ms (gateway: 15 s, SPLAI_LEASE_SECONDS). */
  readonly leaseMs?: number;
  /** `heartbeat_interval_seconds` of the register reply (gateway: always 5). */
  readonly heartbeatIntervalSeconds?: number;
  /** Backoff after the first failure; doubles per attempt (gateway: 1 s). */
  readonly retryBackoffBaseMs?: number;
  /** Backoff cap (gateway: 32 s; default 32 x the base, so scaling the base scales both). */
  readonly retryBackoffMaxMs?: number;
  /** `max_retries` of tasks that give none (gateway: 0, the planner's zero value). */
  readonly defaultMaxRetries?: number;
  /** The model every task gets when the job names none (gateway router: `llama3-8b-q4`). */
  readonly defaultModel?: string;
  /** The backend llm_inference tasks without one get (gateway router: `ollama`). */
  readonly defaultBackend?: string;
  /**
   * The gateway overwrites every task's `model` input with the job's model (true,
   * default). False keeps a task's own `model` and fills in only where it has
   * none: for tests that need several models in one job, which the gateway cannot do.
   */
  readonly overwriteTaskModel?: boolean;
  /**
   * A worker at capacity pre-empts a lower-priority task of its own for a
   * higher-priority one (true, default; the gateway cannot turn it off). False:
   * a worker at capacity simply gets nothing. (The gateway's code, if its
   * SPLAI_SCHEDULER_PREEMPT=false were honoured, would skip the capacity check
   * altogether; that is not what this option does.)
   */
  readonly preempt?: boolean;
  /**
   * What happens to queue references that cannot be assigned. `keep` (default,
   * the gateway): every reference goes back to the end, including duplicates and
   * references of tasks that ended, for ever; a big job leaves up to n^2/2 of them
   * and later polls may answer `[]` while work waits behind them. `drop`: a task
   * is never queued twice and references of tasks that are no longer Queued are
   * dropped, so throughput measures the worker, not the gateway's queue.
   */
  readonly staleRefs?: StaleRefs;
  /** Tokens; none (default) disables authentication, as on a gateway without SPLAI_API_TOKENS. */
  readonly tokens?: readonly TokenSpec[];
  /** Seed of the random sequences: the fault injector's, and the one that breaks ties between equal workers (default 1). */
  readonly seed?: number;
}

/** `POST /v1/workers/register` 200 reply. */
export interface RegisterReply {
  accepted: true;
  heartbeat_interval_seconds: number;
}

/**
 * `GET /v1/workers/{id}/assignments` 200 reply: `null` when the poll found the
 * queue empty (a Go nil slice), `[]` when it claimed references but could assign
 * none to this worker.
 */
export interface AssignmentsReply {
  assignments: Assignment[] | null;
}

/** `POST /v1/jobs` reply. `created` is false when the job id was already known (then the reply is 200, not 202). */
export interface SubmitReply {
  job_id: string;
  status: JobView['status'];
  created: boolean;
}

/** Options of {@link ControlPlane.restart}. */
export interface RestartOptions {
  /** Keep jobs, tasks and the queue (default true); false drops them too, like a real in-memory gateway restart. */
  readonly keepJobs?: boolean;
}

/** A queue reference, as {@link ControlPlane.queueRefs} lists them. */
export interface QueueRef {
  job_id: string;
  task_id: string;
}

export class ControlPlane {
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly heartbeatIntervalSeconds: number;
  readonly retryBackoffBaseMs: number;
  readonly retryBackoffMaxMs: number;
  readonly defaultMaxRetries: number;
  readonly defaultModel: string;
  readonly defaultBackend: string;
  #tokens: TokenTable;
  /** Fault injection hooks, applied by both faces. */
  readonly faults: FaultInjector;
  /** Requests seen per endpoint by the faces (cheap counters for benchmarks and tests). */
  readonly requestCounts: Record<Endpoint, number> = Object.fromEntries(endpoints.map((e) => [e, 0])) as Record<Endpoint, number>;

  readonly #store: Store;
  readonly #poll: PollSettings;
  readonly #injection: InjectionSettings;
  readonly #listeners = new Set<ControlPlaneListener>();
  #jobCounter = 0;
  #jobSeq = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ControlPlaneOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.heartbeatIntervalSeconds = options.heartbeatIntervalSeconds ?? 5;
    this.retryBackoffBaseMs = options.retryBackoffBaseMs ?? 1000;
    this.retryBackoffMaxMs = options.retryBackoffMaxMs ?? 32 * this.retryBackoffBaseMs;
    this.defaultMaxRetries = options.defaultMaxRetries ?? 0;
    this.defaultModel = options.defaultModel ?? DEFAULT_MODEL;
    this.defaultBackend = options.defaultBackend ?? DEFAULT_BACKEND;
    this.#tokens = buildTokenTable(options.tokens ?? []);
    this.faults = new FaultInjector(options.seed ?? 1);
    this.#store = new Store(options.staleRefs ?? 'keep', (event) => this.#emit(event));
    const backoff: Backoff = { baseMs: this.retryBackoffBaseMs, maxMs: this.retryBackoffMaxMs };
    // Its own sequence, so injecting faults does not change who wins a tie, and vice versa.
    this.#poll = { leaseMs: this.leaseMs, backoff, preempt: options.preempt ?? true, random: seededRandom((options.seed ?? 1) ^ 0x5eed) };
    this.#injection = {
      defaultModel: this.defaultModel,
      defaultBackend: this.defaultBackend,
      defaultMaxRetries: this.defaultMaxRetries,
      overwriteTaskModel: options.overwriteTaskModel ?? true,
    };
  }
  /** Token table the faces authenticate against (empty: no auth). */
  get tokens(): TokenTable {
    return this.#tokens;
  }

  /**
   * Replaces the configured tokens, keeping every job, task and worker: as if
   * the gateway were restarted with other `SPLAI_API_TOKENS` but kept its state
   * (it reads them once, at start). For tests of a token revoked or rotated
   * while a worker holds work.
   */
  setTokens(tokens: readonly TokenSpec[]): void {
    this.#tokens = buildTokenTable(tokens);
  }


  // ---------------------------------------------------------------- workers

  /**
   * `POST /v1/workers/register`: replaces the whole record (models, tools,
   * backends, locality; health back to healthy, load back to 0). 400
   * `worker_id is required`; a failing store: 500 with its message.
   */
  register(body: RegisterBody): RegisterReply {
    const workerId = body.worker_id ?? '';
    if (workerId === '') throw new GatewayError(400, 'worker_id is required');
    this.#storeWrite(500);
    this.#store.putWorker(workerFromRegister(workerId, body, this.clock.now()));
    this.#emit({ type: 'worker.registered', workerId });
    return { accepted: true, heartbeat_interval_seconds: this.heartbeatIntervalSeconds };
  }

  /**
   * `POST /v1/workers/{id}/heartbeat` (Heartbeat): records load and health, and
   * extends the lease of each task the worker holds that has not run out yet, to
   * now + lease, never past its deadline. 404 `worker not registered`; a failing
   * store: 404 with its message.
   */
  heartbeat(workerId: string, body: HeartbeatBody = {}): { accepted: true } {
    const worker = this.#requireWorker(workerId);
    this.#storeWrite(404);
    const now = this.clock.now();
    recordHeartbeat(worker, body, now);
    for (const task of this.#store.heldBy(workerId)) {
      if (!extendable(task, now)) continue;
      this.#store.extendLease(task, leaseExpiryMs(task, now, this.leaseMs));
      this.#store.touch(task, now);
    }
    this.#emit({ type: 'worker.heartbeat', workerId });
    return { accepted: true };
  }

  /**
   * `GET /v1/workers/{id}/assignments?max_tasks=N` (PollAssignments, see poll.ts).
   * N below 1 (or not a number) counts as 1. 404 `worker not registered`; a
   * failing store: 404 with its message.
   */
  assignments(workerId: string, maxTasks: number): AssignmentsReply {
    const worker = this.#requireWorker(workerId);
    const max = Number.isFinite(maxTasks) && maxTasks >= 1 ? Math.floor(maxTasks) : 1;
    this.#storeWrite(404);
    return { assignments: pollAssignments(this.#store, worker, max, this.clock.now(), this.#poll) };
  }

  /** Registered workers (copies), in registration order. Workers are never aged out. */
  workers(): WorkerView[] {
    return [...this.#store.workers.values()].map(workerView);
  }

  /** One registered worker, or undefined. */
  worker(workerId: string): WorkerView | undefined {
    const worker = this.#store.workers.get(workerId);
    return worker ? workerView(worker) : undefined;
  }

  /** Forgets every worker, as an in-memory gateway does when it restarts: their next heartbeat or poll gets 404. */
  forgetWorkers(): void {
    this.#store.clearWorkers();
  }

  /** Simulates a gateway restart: workers are forgotten; jobs (and the queue) are kept unless `keepJobs: false`. */
  restart(options: RestartOptions = {}): void {
    this.forgetWorkers();
    if (options.keepJobs === false) this.#store.dropJobs();
  }

  // ---------------------------------------------------------------- reports

  /**
   * `POST /v1/tasks/report` (ReportTaskResult, see reports.ts). 404 `job not
   * found`; 400 `task <id> not found`; 400 `stale lease for task <id>`; 200
   * without change for a Canceled/Archived job or a repeated idempotency key; a
   * failing store: 400 with its message. Applied even when the task had ended.
   */
  report(body: ReportBody): { accepted: true } {
    let outcome: ReportOutcome;
    try {
      outcome = reportTaskResult(this.#store, body, this.clock.now(), this.#poll.backoff);
    } catch (error) {
      throw isStoreFailure(error) ? new GatewayError(400, error.message) : error;
    }
    this.#emit({ type: 'report', outcome, report: body });
    if (outcome === 'stale') throw new GatewayError(400, `stale lease for task ${body.task_id ?? ''}`);
    return { accepted: true };
  }

  /** The tenant of a job, or undefined when the job is unknown (the report and job routes check it before the token). */
  jobTenant(jobId: string): string | undefined {
    return this.#store.jobs.get(jobId)?.tenant;
  }

  // ---------------------------------------------------------------- jobs

  /**
   * Submits a job as an explicit task DAG, with the gateway's job fields
   * (`priority`, `model`, `install_model_if_missing`, ...: see injection.ts). The
   * job is Running at once. Throws GatewayError 400 for an invalid submission
   * (unknown dependency, cycle, duplicate task id, bad field) and 500 with its
   * message when the store fails. A job id that already exists returns that job
   * unchanged (`created: false`).
   */
  submitJob(submission: JobSubmission): SubmitReply {
    const parsed = parseJobSubmission(submission);
    const existing = parsed.job_id === undefined ? undefined : this.#store.jobs.get(parsed.job_id);
    if (existing) return { job_id: existing.jobId, status: existing.status, created: false };
    let jobId = parsed.job_id;
    while (jobId === undefined || this.#store.jobs.has(jobId)) jobId = `job-${++this.#jobCounter}`;
    const job = buildJob(
      {
        jobId,
        seq: ++this.#jobSeq,
        tenant: (parsed.tenant ?? '').trim() || 'default',
        priority: parsed.priority || DEFAULT_PRIORITY,
        nowMs: this.clock.now(),
      },
      planTasks(parsed, this.#injection),
    );
    this.#storeWrite(500);
    this.#store.jobs.set(jobId, job);
    for (const task of job.tasks.values()) if (task.dependsOn.length === 0) this.#store.enqueue(task);
    this.#emit({ type: 'job.status', job: jobView(job) });
    return { job_id: jobId, status: job.status, created: true };
  }

  /** Status of a job. 404 `job not found`. */
  getJob(jobId: string): JobView {
    return jobView(this.#requireJob(jobId));
  }

  /** Every job, oldest first. */
  jobs(): JobView[] {
    return [...this.#store.jobs.values()].map(jobView);
  }

  /** Each task of a job with its status, attempt, worker, inputs, output, error and report history. 404 `job not found`. */
  tasks(jobId: string): TaskView[] {
    return [...this.#requireJob(jobId).tasks.values()].map(taskView);
  }

  /** One task of a job. 404 `job not found`, 400 `task <id> not found`. */
  task(jobId: string, taskId: string): TaskView {
    const task = this.#requireJob(jobId).tasks.get(taskId);
    if (!task) throw new GatewayError(400, `task ${taskId} not found`);
    return taskView(task);
  }

  /**
   * Cancels a job that has not ended (CancelJob): the job is Canceled, its
   * Queued and Running tasks too. Assigned tasks are left as they are, and their
   * leases run out at a later poll. Later reports for the job are 200 and change
   * nothing. A job that ended is left alone. A failing store: 500.
   */
  cancelJob(jobId: string): JobView {
    const job = this.#requireJob(jobId);
    this.#storeWrite(500);
    if (terminalJobStates.has(job.status)) return jobView(job);
    const now = this.clock.now();
    job.message = 'canceled by user';
    setJobStatus(this.#store, job, 'Canceled', now);
    for (const task of job.tasks.values()) {
      if (task.status !== 'Queued' && task.status !== 'Running') continue;
      this.#store.setStatus(task, 'Canceled');
      this.#store.setWorker(task, '');
      this.#store.clearLease(task);
      this.#store.touch(task, now);
    }
    return jobView(job);
  }

  /** Archives a job that ended (ArchiveJob); reports for it are then 200 and change nothing. 500 for a job still running. */
  archiveJob(jobId: string): JobView {
    const job = this.#requireJob(jobId);
    if (!terminalJobStates.has(job.status)) throw new GatewayError(500, `job ${jobId} is not in terminal state`);
    this.#storeWrite(500);
    setJobStatus(this.#store, job, 'Archived', this.clock.now());
    return jobView(job);
  }

  /**
   * Resolves with the job's view once it is Completed, Failed, Canceled or
   * Archived; rejects after `timeoutMs` of real time (default 30 s). Note that a
   * late report can re-open a job that ended.
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

  // ---------------------------------------------------------------- queue, store failures

  /** The queue's references, front first, duplicates and stale ones included (a copy). */
  queueRefs(): QueueRef[] {
    return this.#store.queueSnapshot().map((task) => ({ job_id: task.jobId, task_id: task.taskId }));
  }

  /** How many references the queue holds. */
  get queueLength(): number {
    return this.#store.queueLength;
  }

  /**
   * Runs `operation` with a failing store: its first write throws, and the
   * operation answers as the gateway's handler does (register and job submission
   * 500, heartbeat and poll 404, report 400, each with `message`). Nothing is
   * changed. The faces use it for the `storeFailure` fault.
   */
  withStoreFailure<T>(message: string, operation: () => T): T {
    this.#store.failWrites(message);
    try {
      return operation();
    } finally {
      this.#store.allowWrites();
    }
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

  /**
   * Re-queues (or fails) the tasks whose lease has expired, as the start of every
   * poll does. The gateway does this nowhere else; call it to see expiries in
   * status reads without a poll.
   */
  sweep(): void {
    requeueExpiredLeases(this.#store, this.clock.now(), this.#poll.backoff);
  }

  /**
   * Sweeps on a real-time timer too. **Not gateway behaviour** (the gateway only
   * looks at leases when a worker polls): off unless asked for.
   */
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
    const worker = this.#store.workers.get(workerId);
    if (!worker) throw new GatewayError(404, 'worker not registered');
    return worker;
  }

  #requireJob(jobId: string): JobRecord {
    const job = this.#store.jobs.get(jobId);
    if (!job) throw new GatewayError(404, 'job not found');
    return job;
  }

  /** Throws the handler's answer (`status`, the store's message) when the store is failing. */
  #storeWrite(status: number): void {
    try {
      this.#store.checkWrite();
    } catch (error) {
      throw isStoreFailure(error) ? new GatewayError(status, error.message) : error;
    }
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
