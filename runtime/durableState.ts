/**
 * The worker's state on disk (`SPLAI_STATE_DIR`): the report outbox and the
 * in-flight journal, joined into the one ReportStore the Reporter sees, plus the
 * start-up recovery that hands the previous run's leftovers to the Reporter.
 *
 * Order of writes, per task, so that a kill at any instant loses nothing:
 * 1. journal entry (task started); the `Running` report itself stays in memory;
 * 2. final report into the outbox, then the journal entry is removed;
 * 3. each report is removed from the outbox once settled.
 *
 * Recovery (before the supervisor starts, so before any new work is asked for):
 * every outbox report is re-queued in production order, then every journal
 * entry (a task the crash interrupted) becomes a `Failed` report, saved and
 * queued like any other. Delivery then goes on in the background; per-task order
 * holds because the Reporter keeps one ordered queue per task.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Outbox } from '../actors/outbox.js';
import type { Reporter, ReportOutcome, ReportStore } from '../actors/reporter.js';
import { entryOfRunning, interruptedReport, TaskJournal } from '../actors/taskJournal.js';
import type { ReportRequest } from '../protocol/schemas.js';

export interface DurableState {
  readonly dir: string;
  /**
   * A worker ran with this state dir before (clean stop or crash). Its last poll
   * may have been granted by the control plane and never seen, or seen and not
   * started: those tasks stay leased to this worker id, and every heartbeat of the
   * new run would extend their leases forever (see docs/reliability.md).
   */
  readonly previousRun: boolean;
  /** When the previous run stopped (ms since epoch), if it stopped rather than died. */
  readonly previousStoppedAt: number | undefined;
  /** Note in the state dir that this run stopped now (its leases run out from here). */
  markStopped(): void;
  readonly outbox: Outbox;
  readonly journal: TaskJournal;
  /** The Reporter's store: outbox writes with the journal kept in step. */
  readonly store: ReportStore;
  /** The control plane refused a report for good: a refused `Running` means the task never runs. */
  settled(report: ReportRequest, outcome: Exclude<ReportOutcome, 'queued'>): void;
  /** Hand the previous run's leftovers to the reporter. */
  recover(reporter: Reporter): Promise<RecoverySummary>;
}

export interface RecoverySummary {
  /** Reports found in the outbox and re-queued. */
  readonly resumed: number;
  /** Interrupted tasks reported Failed. */
  readonly interrupted: number;
  /** Outbox files that were not reports (set aside). */
  readonly corrupt: number;
}

/** Open (create) the state directory. Synchronous: it runs once while the worker is built. */
export function openDurableState(dir: string): DurableState {
  const outbox = Outbox.open(join(dir, 'outbox'));
  const journal = TaskJournal.open(join(dir, 'journal'));
  const marker = join(dir, 'worker.json');
  const previousRun = existsSync(marker);
  const previousStoppedAt = previousRun ? stoppedAt(marker) : undefined;
  const startedAt = new Date().toISOString();
  writeFileSync(marker, `${JSON.stringify({ pid: process.pid, started_at: startedAt })}\n`);
  const store: ReportStore = {
    async save(id, report) {
      if (report.status === 'Running') {
        // Only final reports are made durable. A `Running` report lost in a crash
        // needs no replay: the journal entry written here makes the next run report
        // the task `Failed`, which the gateway accepts from Assigned as from Running.
        // This halves the fsyncs a task waits for before it may start.
        await journal.add(entryOfRunning(report));
      } else {
        await outbox.save(id, report);
        // Not awaited: the removal needs no sync, and the journal's writer may be
        // busy syncing entries of tasks that are starting. Lost, it costs only a
        // duplicate Failed report (same key) after a crash.
        void journal.remove(report).catch(() => undefined);
      }
    },
    remove: (id) => outbox.remove(id),
    nextId: (report) => outbox.nextId(report),
  };
  return {
    dir,
    previousRun,
    previousStoppedAt,
    markStopped() {
      try {
        writeFileSync(marker, `${JSON.stringify({ pid: process.pid, started_at: startedAt, stopped_at: new Date().toISOString() })}\n`);
      } catch {
        // Only an optimisation of the next start: without it the next run holds its heartbeats back.
      }
    },
    outbox,
    journal,
    store,
    settled(report, outcome) {
      if (report.status === 'Running' && outcome !== 'delivered') void journal.remove(report).catch(() => undefined);
    },
    async recover(reporter) {
      const saved = await outbox.load();
      for (const { id, report } of saved.reports) void reporter.resume(id, report);
      const interrupted = await journal.load();
      for (const entry of interrupted) {
        const report = interruptedReport(entry);
        const id = outbox.nextId(report);
        // Saved, and the journal entry removed, before the worker may ask for work.
        await outbox.save(id, report);
        await journal.remove(report);
        void reporter.resume(id, report);
      }
      return { resumed: saved.reports.length, interrupted: interrupted.length, corrupt: saved.corrupt.length };
    },
  };
}

function stoppedAt(marker: string): number | undefined {
  try {
    const parsed = JSON.parse(readFileSync(marker, 'utf8')) as { stopped_at?: unknown };
    const at = typeof parsed.stopped_at === 'string' ? Date.parse(parsed.stopped_at) : Number.NaN;
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}
