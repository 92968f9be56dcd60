/**
 * The in-flight journal: which tasks this worker has started and not yet
 * finished, on disk, so that a restart after a crash can own up to them.
 *
 * Why: the gateway clears a task's lease when it accepts the `Running` report
 * and re-queues only tasks whose lease expired, so a task whose worker died
 * after `Running` stays `Running` forever unless someone reports it. An entry
 * is made durable before the `Running` report is queued and removed once the
 * task's final report is safe in the outbox (or the control plane refused the
 * `Running` report for good). So at every instant a started task is in the
 * journal or its final report is in the outbox or delivered; whatever the
 * journal still holds at start-up was interrupted, and
 * {@link interruptedReport} turns it into a `Failed` report.
 *
 * Layout: one append-only log ({@link AppendLog}), `journal.log`, one JSON
 * line per change (`add` with the entry, `del` with the task's hash: ids come
 * from the network and are never used as paths). Group commit: an `add` is
 * durable when it resolves, and tasks starting together share one fdatasync.
 * A `del` is appended without a sync: if it is lost in a power cut, the task's
 * final report is already durable in the outbox, and the `Failed` report sent
 * at restart carries the same idempotency key, so the control plane keeps the
 * first. The log is rewritten with the live entries once it has grown large.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as v from 'valibot';
import { parseJsonAs } from '../protocol/parseJsonAs.js';
import type { ReportRequest } from '../protocol/schemas.js';
import { AppendLog } from '../base/appendLog.js';

/** The error of the `Failed` report sent for a task a crash interrupted. */
export const INTERRUPTED_ERROR = 'worker restarted while the task was running';

const EntrySchema = v.object({
  worker_id: v.pipe(v.string(), v.minLength(1)),
  job_id: v.pipe(v.string(), v.minLength(1)),
  task_id: v.pipe(v.string(), v.minLength(1)),
  attempt: v.pipe(v.number(), v.integer()),
  lease_id: v.string(),
  /** Key of the task's final report (so a Failed sent for it after a crash dedupes with one that got out). */
  idempotency_key: v.pipe(v.string(), v.minLength(1)),
  started_at: v.number(),
});

const LineSchema = v.union([
  v.object({ op: v.literal('add'), key: v.string(), entry: EntrySchema }),
  v.object({ op: v.literal('del'), key: v.string() }),
]);

/** One started task. */
export type JournalEntry = v.InferOutput<typeof EntrySchema>;

/** The task a report is about, as the journal names it: one lease of one task. */
export type TaskIdentity = Pick<ReportRequest, 'job_id' | 'task_id' | 'lease_id'>;

const LOG_NAME = 'journal.log';

export class TaskJournal {
  /** The `add` line of every task in the log that was not removed: what a rewrite keeps. */
  private readonly live = new Map<string, string>();
  private readonly log: AppendLog;

  private constructor(readonly dir: string) {
    this.log = AppendLog.open(join(dir, LOG_NAME), () => this.live.values());
  }

  /** Create the directory and the log if needed (synchronous: once, at start-up). */
  static open(dir: string): TaskJournal {
    return new TaskJournal(dir);
  }

  /** Record that a task is starting. Durable when it resolves. */
  async add(entry: JournalEntry): Promise<void> {
    const key = keyOf(entry);
    const line = JSON.stringify({ op: 'add', key, entry });
    this.live.set(key, line);
    await this.log.append(line, true);
  }

  /** The task is accounted for (final report saved, or nobody wants it any more). */
  async remove(task: TaskIdentity): Promise<void> {
    const key = keyOf(task);
    this.live.delete(key);
    await this.log.append(JSON.stringify({ op: 'del', key }), false);
  }

  /** Entries left by an earlier run (tasks it was running when it stopped), oldest first. */
  async load(): Promise<JournalEntry[]> {
    const entries = new Map<string, { entry: JournalEntry; line: string }>();
    for (const line of await this.log.readLines()) {
      // A line that does not parse was damaged on disk: nothing in it can be trusted.
      const parsed = parseJsonAs(LineSchema, line);
      if (parsed?.op === 'add') entries.set(parsed.key, { entry: parsed.entry, line });
      else if (parsed?.op === 'del') entries.delete(parsed.key);
    }
    for (const [key, { line }] of entries) this.live.set(key, line);
    return [...entries.values()].map((e) => e.entry).sort((a, b) => a.started_at - b.started_at);
  }

  /** Resolves once every change made so far is written (removals are not awaited by their callers). */
  flush(): Promise<void> {
    return this.log.flush();
  }

  /** Close the log file (the next write reopens it). */
  close(): Promise<void> {
    return this.log.close();
  }
}

function keyOf(task: TaskIdentity): string {
  return createHash('sha1').update(`${task.job_id}\u0000${task.task_id}\u0000${task.lease_id}`).digest('hex');
}

/**
 * The journal entry of a task whose `Running` report this is. The reference
 * keys (`...:<attempt>:running` / `...:<attempt>`) give the attempt and the key
 * of the final report.
 */
export function entryOfRunning(report: ReportRequest, startedAt = Date.now()): JournalEntry {
  const match = /:(\d+):running$/.exec(report.idempotency_key);
  return {
    worker_id: report.worker_id,
    job_id: report.job_id,
    task_id: report.task_id,
    attempt: match === null ? 0 : Number(match[1]),
    lease_id: report.lease_id,
    idempotency_key: report.idempotency_key.replace(/:running$/, ''),
    started_at: startedAt,
  };
}

/**
 * The `Failed` report for an interrupted task: same idempotency key as the final
 * report the task would have sent, so if that one was in fact delivered this is
 * a harmless duplicate.
 */
export function interruptedReport(entry: JournalEntry): ReportRequest {
  return {
    worker_id: entry.worker_id,
    job_id: entry.job_id,
    task_id: entry.task_id,
    lease_id: entry.lease_id,
    idempotency_key: entry.idempotency_key,
    status: 'Failed',
    output_artifact_uri: '',
    error: INTERRUPTED_ERROR,
    duration_millis: 0,
  };
}
