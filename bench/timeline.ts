/**
 * What the bench sees from the control plane's side (same process): when a
 * worker registered, when it heartbeated, when each job's first task was
 * handed out and its last one finished, when a task's Running report arrived.
 * Throughput windows are measured here, identically for every client: from
 * the job's first assignment to its last final report.
 */
import type { ControlPlane } from '../control-plane/ControlPlane.js';
import type { JobSubmission } from '../control-plane/wire.js';
import type { Run } from './summary.js';

interface JobWatch {
  readonly total: number;
  firstAssigned?: number;
  finals: number;
  lastFinal: number;
  readonly done: (run: Run) => void;
  /** A task failed: the run measures nothing, stop at once. */
  readonly fail: (error: Error) => void;
}

export class Timeline {
  /** Heartbeat arrival times (performance.now ms) by worker id. */
  readonly heartbeats = new Map<string, number[]>();
  private readonly registered = new Map<string, number>();
  private readonly registrationWaiters = new Map<string, (at: number) => void>();
  private readonly jobs = new Map<string, JobWatch>();
  private readonly runningWaiters = new Map<string, (at: number) => void>();
  private readonly unsubscribe: () => void;

  constructor(readonly controlPlane: ControlPlane) {
    this.unsubscribe = controlPlane.subscribe((event) => {
      const now = performance.now();
      switch (event.type) {
        case 'worker.registered':
          this.registered.set(event.workerId, now);
          this.registrationWaiters.get(event.workerId)?.(now);
          break;
        case 'worker.heartbeat': {
          let list = this.heartbeats.get(event.workerId);
          if (list === undefined) this.heartbeats.set(event.workerId, (list = []));
          list.push(now);
          break;
        }
        case 'task.assigned': {
          const job = this.jobs.get(event.assignment.job_id);
          if (job !== undefined) job.firstAssigned ??= now;
          break;
        }
        case 'report': {
          if (event.outcome !== 'accepted') break;
          const { job_id = '', task_id = '', status } = event.report;
          if (status === 'Running') {
            this.runningWaiters.get(`${job_id}/${task_id}`)?.(now);
            break;
          }
          const job = this.jobs.get(job_id ?? '');
          if (job === undefined) break;
          job.finals++;
          job.lastFinal = now;
          if (status === 'Failed') {
            this.jobs.delete(job_id ?? '');
            job.fail(new Error(`job ${job_id}: task ${task_id} failed: ${event.report.error ?? ''}`));
          } else if (job.finals === job.total) {
            this.jobs.delete(job_id ?? '');
            job.done({ tasks: job.total, millis: job.lastFinal - (job.firstAssigned ?? job.lastFinal) });
          }
          break;
        }
        default:
          break;
      }
    });
  }

  /** Resolves with the time `workerId` registered (at once if it already did). */
  registration(workerId: string, timeoutMillis = 30_000): Promise<number> {
    const known = this.registered.get(workerId);
    if (known !== undefined) return Promise.resolve(known);
    return withTimeout(new Promise<number>((resolve) => this.registrationWaiters.set(workerId, resolve)), timeoutMillis, `worker ${workerId} did not register`);
  }

  /**
   * Submit a job (in process) and resolve once every task has a final report,
   * with the window from first assignment to last final report. Rejects when
   * a task failed: a failed run measures nothing.
   */
  async runJob(submission: JobSubmission & { job_id: string }, timeoutMillis: number, onSubmitted?: () => void): Promise<Run> {
    const total = submission.tasks.length;
    const finished = new Promise<Run>((resolve, reject) => {
      this.jobs.set(submission.job_id, { total, finals: 0, lastFinal: 0, done: resolve, fail: reject });
    });
    this.controlPlane.submitJob(submission);
    onSubmitted?.();
    try {
      return await withTimeout(finished, timeoutMillis, `job ${submission.job_id} did not finish`);
    } finally {
      this.jobs.delete(submission.job_id);
    }
  }

  /** Resolves with the arrival time of the task's Running report. */
  running(jobId: string, taskId: string, timeoutMillis: number): Promise<number> {
    const key = `${jobId}/${taskId}`;
    return withTimeout(
      new Promise<number>((resolve) => this.runningWaiters.set(key, (at) => {
        this.runningWaiters.delete(key);
        resolve(at);
      })),
      timeoutMillis,
      `no Running report for ${key}`,
    );
  }

  close(): void {
    this.unsubscribe();
  }
}

async function withTimeout<T>(promise: Promise<T>, millis: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${millis} ms`)), millis);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
