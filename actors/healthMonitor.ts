/**
 * Decides what the heartbeat says about this worker: `healthy` or `degraded`
 * (`draining` belongs to the supervisor, which ignores this monitor from the
 * drain on). Degraded means "still working, but the scheduler should prefer
 * others", for one of these reasons (the first that applies is given):
 *
 * - the sandbox is unavailable (tool_execution tasks will be refused);
 * - the outbox holds more undelivered reports than `backlogThreshold`;
 * - `reportFailureThreshold` report deliveries failed within `windowMillis`;
 * - `taskFailureThreshold` tasks in a row failed (typically a model backend
 *   that is down).
 *
 * The runtime feeds it observations (`noteReportFailure`, `noteTask`) and polls
 * `check()`, which calls `onChange` only when the health or its reason changes;
 * the runtime logs the reason and sends a `health` event to the supervisor.
 *
 * @example
 * ```ts
 * const monitor = new HealthMonitor({ pendingReports: () => reporter.pending, onChange: (h, why) => log(h, why) });
 * monitor.noteTask(false);
 * monitor.check();
 * ```
 */
export type MonitoredHealth = 'healthy' | 'degraded';

export interface HealthMonitorOptions {
  /** Reports not yet settled (the Reporter's `pending`). */
  readonly pendingReports: () => number;
  /** Why the sandbox is unavailable, or undefined when it works. */
  readonly sandboxProblem?: string | undefined;
  readonly backlogThreshold?: number;
  readonly reportFailureThreshold?: number;
  readonly taskFailureThreshold?: number;
  readonly windowMillis?: number;
  readonly onChange: (health: MonitoredHealth, reason: string) => void;
  readonly now?: () => number;
}

export interface HealthAssessment {
  readonly health: MonitoredHealth;
  /** Empty when healthy. */
  readonly reason: string;
}

export class HealthMonitor {
  private readonly reportFailures: number[] = [];
  private taskFailuresInARow = 0;
  private lastTaskError = '';
  private current: HealthAssessment = { health: 'healthy', reason: '' };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HealthMonitorOptions) {}

  /** The health last reported through `onChange` (healthy until a check says otherwise). */
  get health(): HealthAssessment {
    return this.current;
  }

  /** A report delivery attempt failed (it will be retried). */
  noteReportFailure(): void {
    this.reportFailures.push(this.now());
    if (this.reportFailures.length > 1024) this.reportFailures.splice(0, this.reportFailures.length - 1024);
  }

  /** A task ended; failures in a row point at a broken backend. */
  noteTask(ok: boolean, error = ''): void {
    if (ok) this.taskFailuresInARow = 0;
    else {
      this.taskFailuresInARow++;
      this.lastTaskError = error;
    }
  }

  /** What the health is now, without side effects. */
  assess(): HealthAssessment {
    const o = this.options;
    if (o.sandboxProblem !== undefined) return degraded(`sandbox unavailable: ${o.sandboxProblem}`);
    const pending = o.pendingReports();
    if (pending > (o.backlogThreshold ?? 100)) return degraded(`outbox backlog: ${pending} reports not delivered`);
    const since = this.now() - (o.windowMillis ?? 60_000);
    while (this.reportFailures.length > 0 && this.reportFailures[0]! < since) this.reportFailures.shift();
    if (this.reportFailures.length >= (o.reportFailureThreshold ?? 10)) {
      return degraded(`${this.reportFailures.length} report deliveries failed in the last ${Math.round((o.windowMillis ?? 60_000) / 1000)} s`);
    }
    if (this.taskFailuresInARow >= (o.taskFailureThreshold ?? 5)) {
      return degraded(`${this.taskFailuresInARow} tasks failed in a row (last: ${this.lastTaskError.slice(0, 200)})`);
    }
    return { health: 'healthy', reason: '' };
  }

  /** Assess, and tell `onChange` when the health or its reason kind changed. */
  check(): HealthAssessment {
    const next = this.assess();
    if (next.health !== this.current.health || reasonKind(next.reason) !== reasonKind(this.current.reason)) {
      this.current = next;
      this.options.onChange(next.health, next.reason);
    }
    return this.current;
  }

  /** Check every `intervalMillis` until stop(). The timer never keeps the process alive. */
  start(intervalMillis: number): void {
    this.stop();
    this.timer = setInterval(() => this.check(), intervalMillis);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function degraded(reason: string): HealthAssessment {
  return { health: 'degraded', reason };
}

/** The reason without its numbers: a backlog going from 120 to 130 is no change worth a log line. */
function reasonKind(reason: string): string {
  return reason.replace(/\d+/g, '#').replace(/\(last: .*\)$/, '');
}
