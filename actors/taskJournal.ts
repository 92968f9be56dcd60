/**
 * The in-flight journal: which tasks this worker has started and not yet
 * finished, on disk, so that a restart after a crash can own up to them.
 *
 * Why: the gateway clears a task's lease when it accepts the `Running` report
 * and re-queues only tasks whose lease expired, so a task whose worker died
 * after `Running` stays `Running` forever unless someone reports it. An entry
 * is written (atomically, fsync'd) before the `Running` report is queued and
 * removed once the task's final report is safe in the outbox (or the control
 * plane refused the `Running` report for good). So at every instant a started
 * task is in the journal or its final report is in the outbox or delivered;
 * whatever the journal still holds at start-up was interrupted, and
 * {@link interruptedReport} turns it into a `Failed` report.
 *
 * One file per task, named by a hash of its identity (ids come from the network
 * and must never name a path).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { atomicWrite } from '../artifacts/atomicWrite.js';
import type { ReportRequest } from '../protocol/schemas.js';
import { syncDirectory } from './outbox.js';

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

/** One started task. */
export type JournalEntry = v.InferOutput<typeof EntrySchema>;

/** The task a report is about, as the journal names it: one lease of one task. */
export type TaskIdentity = Pick<ReportRequest, 'job_id' | 'task_id' | 'lease_id'>;

const FILE_PATTERN = /^[0-9a-f]{40}\.json$/;

export class TaskJournal {
  private constructor(readonly dir: string) {}

  /** Create the directory if needed (synchronous: once, at start-up). */
  static open(dir: string): TaskJournal {
    mkdirSync(dir, { recursive: true });
    return new TaskJournal(dir);
  }

  /** Record that a task is starting. Durable when it resolves. */
  async add(entry: JournalEntry): Promise<void> {
    await atomicWrite(this.pathOf(entry), JSON.stringify(entry));
    await syncDirectory(this.dir);
  }

  /** The task is accounted for (final report saved, or nobody wants it any more). */
  async remove(task: TaskIdentity): Promise<void> {
    await rm(this.pathOf(task), { force: true });
  }

  /** Entries left by an earlier run (tasks it was running when it stopped). Half-written files are removed. */
  async load(): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      const path = join(this.dir, name);
      if (name.includes('.tmp-')) {
        await rm(path, { force: true });
        continue;
      }
      if (!FILE_PATTERN.test(name)) continue;
      const entry = parseEntry(await readFile(path, 'utf8').catch(() => ''));
      if (entry === undefined) await rm(path, { force: true });
      else entries.push(entry);
    }
    return entries.sort((a, b) => a.started_at - b.started_at);
  }

  private pathOf(task: TaskIdentity): string {
    const hash = createHash('sha1').update(`${task.job_id}\u0000${task.task_id}\u0000${task.lease_id}`).digest('hex');
    return join(this.dir, `${hash}.json`);
  }
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

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const parsed = v.safeParse(EntrySchema, JSON.parse(text));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
