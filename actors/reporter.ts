/**
 * Delivers task reports to the control plane without losing them.
 *
 * Reports of one task are delivered strictly in the order they were submitted
 * (Running before Completed), each one only after the previous one was settled.
 * A transient failure keeps the report queued and retried with backoff; the
 * idempotency key makes a late or repeated delivery harmless. A report is
 * dropped only when the control plane says it is not wanted (stale lease, job
 * gone, rejected).
 *
 * A 401/403 means the control plane refuses this worker's token: the gateway
 * checks it on reports alone, so it shows only once the worker already holds
 * work. Retrying cannot help. The Reporter then stops delivering (`refused`),
 * tells `onRefused` once, and keeps every final report in its store for the
 * next run. A `Running` report it could not deliver is dropped as `refused`:
 * its task must not run, and a late `Running` would put a task the gateway
 * may have re-queued back into `Running` for ever. Persistence across restarts is the outbox's job: a Reporter
 * takes an optional `store` that is told about every report before it is sent
 * and after it is settled.
 */
import { backoffDelay, type BackoffPolicy } from '../base/backoff.js';
import { isControlPlaneError } from '../base/ControlPlaneError.js';
import type { ReportOutcome } from '../machines/effects.js';
import type { ReportRequest } from '../protocol/schemas.js';
import type { ControlPlaneApi } from './controlPlaneClient.js';
import { SerialPerKey } from './serialPerKey.js';

export type { ReportOutcome };

/** Where pending reports are kept so that a restart can deliver them (see the outbox). */
export interface ReportStore {
  /** Called before the first delivery attempt; must be durable when it resolves. */
  save(id: string, report: ReportRequest): Promise<void>;
  /** Called once the report is settled (delivered or refused for good). */
  remove(id: string): Promise<void>;
  /** Ids in production order that stay ordered across restarts (the outbox's counter); default: time + sequence. */
  nextId?(report: ReportRequest): string;
}

export interface ReporterOptions {
  readonly api: Pick<ControlPlaneApi, 'report'>;
  readonly backoff?: BackoffPolicy;
  readonly store?: ReportStore;
  /** Told about reports the control plane refused for good, and about auth failures. */
  readonly onSettled?: (report: ReportRequest, outcome: Exclude<ReportOutcome, 'queued'>, detail: string) => void;
  readonly onRetry?: (report: ReportRequest, attempt: number, error: string) => void;
  /** The control plane refused the token (401/403 on a report); called once, with its answer. */
  readonly onRefused?: (detail: string) => void;
}

interface Pending {
  readonly id: string;
  readonly report: ReportRequest;
  readonly first: (outcome: ReportOutcome) => void;
}

export class Reporter {
  private readonly queues = new Map<string, Pending[]>();
  private readonly waiters = new Set<() => void>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  /** One final report per job on the wire at a time (see the module comment). */
  private readonly jobLanes = new SerialPerKey();
  private closed = false;
  /** The control plane's answer to the token, once it refused it: nothing is delivered after that. */
  private refusal: string | undefined;
  private count = 0;
  private sequence = 0;

  constructor(private readonly options: ReporterOptions) {}

  /** Reports not yet settled. */
  get pending(): number {
    return this.count;
  }

  /** The control plane's answer when it refused the token; undefined while it has not. */
  get refused(): string | undefined {
    return this.refusal;
  }

  /**
   * Queue a report. Resolves with the outcome of its first delivery attempt, or
   * `queued` when it could not be delivered at once (it keeps being retried).
   */
  async submit(report: ReportRequest, id = this.nextId(report)): Promise<ReportOutcome> {
    await this.options.store?.save(id, report);
    return this.enqueue(id, report);
  }

  /**
   * Queue a report and resolve as soon as it is saved in the store (durable with
   * the outbox), without waiting for a delivery attempt: `queued`. For final
   * reports, whose delivery outcome changes nothing for the task: the task's slot
   * frees while delivery goes on in the background.
   */
  async submitDurably(report: ReportRequest, id = this.nextId(report)): Promise<ReportOutcome> {
    await this.options.store?.save(id, report);
    void this.enqueue(id, report);
    return 'queued';
  }

  /** Re-queue a report that an earlier run saved but did not deliver (already stored). */
  resume(id: string, report: ReportRequest): Promise<ReportOutcome> {
    return this.enqueue(id, report);
  }

  /** Wait until every report is settled, or the timeout passes. Resolves with the number left. */
  async flush(timeoutMillis: number): Promise<number> {
    // Nothing more can be delivered once the token is refused: what is left waits for the next run.
    if (this.count === 0 || this.refusal !== undefined) return this.count;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMillis);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.add(done);
    });
    return this.count;
  }

  /** Stop retrying (pending reports stay in the store for the next run). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Retry every waiting report now instead of at the end of its backoff: called
   * when the control plane is known to answer again (e.g. a heartbeat got through),
   * so a long outage does not leave results waiting for a 30 s backoff step.
   */
  wake(): void {
    for (const [timer, resolve] of [...this.timers]) {
      clearTimeout(timer);
      this.timers.delete(timer);
      resolve();
    }
  }

  private nextId(report: ReportRequest): string {
    if (this.options.store?.nextId !== undefined) return this.options.store.nextId(report);
    return `${Date.now().toString(36)}-${(++this.sequence).toString(36).padStart(6, '0')}-${report.status}`;
  }

  private enqueue(id: string, report: ReportRequest): Promise<ReportOutcome> {
    return new Promise<ReportOutcome>((first) => {
      const taskKey = `${report.job_id}\u0000${report.task_id}`;
      let queue = this.queues.get(taskKey);
      const idle = queue === undefined;
      if (queue === undefined) this.queues.set(taskKey, (queue = []));
      queue.push({ id, report, first });
      this.count++;
      if (idle) void this.drain(taskKey, queue);
      else first('queued');
    });
  }

  /** Deliver one task's reports in order. */
  private async drain(taskKey: string, queue: Pending[]): Promise<void> {
    while (queue.length > 0 && !this.closed) {
      const item = queue[0]!;
      const outcome = await this.deliver(item);
      if (outcome === undefined) return; // closed while retrying
      queue.shift();
      // Settled means removed from the store too: flush() must not resolve before that.
      await this.options.store?.remove(item.id).catch(() => undefined);
      this.count--;
    }
    if (queue.length === 0) this.queues.delete(taskKey);
    if (this.count === 0) for (const waiter of [...this.waiters]) waiter();
  }

  private async deliver(item: Pending): Promise<Exclude<ReportOutcome, 'queued'> | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return undefined;
      if (this.refusal !== undefined) return this.holdBack(item);
      try {
        await this.send(item.report);
        item.first('delivered');
        return 'delivered';
      } catch (error) {
        const kind = isControlPlaneError(error) ? error.kind : 'transient';
        const detail = error instanceof Error ? error.message : String(error);
        if (kind === 'stale-lease' || kind === 'job-gone' || kind === 'rejected') {
          item.first(kind);
          this.options.onSettled?.(item.report, kind, detail);
          return kind;
        }
        if (kind === 'auth') {
          if (this.refusal === undefined) {
            this.refusal = detail;
            this.options.onRefused?.(detail);
            // Reports waiting out a backoff learn of it now instead of at their next try,
            // and a flush waiting for deliveries returns: none will come.
            this.wake();
            for (const waiter of [...this.waiters]) waiter();
          }
          return this.holdBack(item);
        }
        // transient or not-registered: keep it.
        item.first('queued');
        this.options.onRetry?.(item.report, attempt, detail);
        await this.sleep(backoffDelay(this.options.backoff ?? { baseMillis: 250, maxMillis: 30_000 }, attempt));
      }
    }
  }

  /**
   * After a refusal: a `Running` report is settled as refused (its task does not
   * run); a final one stays queued and in the store (undefined: not settled).
   */
  private holdBack(item: Pending): 'refused' | undefined {
    if (item.report.status !== 'Running') {
      item.first('queued');
      return undefined;
    }
    item.first('refused');
    this.options.onSettled?.(item.report, 'refused', this.refusal ?? 'token refused');
    return 'refused';
  }

  private send(report: ReportRequest): Promise<void> {
    if (report.status === 'Running') return this.options.api.report(report);
    return this.jobLanes.run(report.job_id, () => this.options.api.report(report));
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, millis);
      this.timers.set(timer, resolve);
    });
  }
}
