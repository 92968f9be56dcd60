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
 * Layout: one append-only file, `journal.log`, one JSON line per change
 * (`add` with the entry, `del` with the task's hash: ids come from the network
 * and are never used as paths). Group commit: every `add` made while a write is
 * in progress joins the next batch, and a batch costs one append and one
 * fdatasync however many tasks start at once, which is what keeps a busy
 * worker's start-up cost per task low. A `del` is appended without a sync: if
 * it is lost in a power cut, the task's final report is already durable in the
 * outbox, and the `Failed` report sent at restart carries the same idempotency
 * key, so the control plane keeps the first. A torn last line is ignored. The
 * file is emptied whenever no task is in flight and it has grown large.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
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

const LineSchema = v.union([
  v.object({ op: v.literal('add'), key: v.string(), entry: EntrySchema }),
  v.object({ op: v.literal('del'), key: v.string() }),
]);

/** One started task. */
export type JournalEntry = v.InferOutput<typeof EntrySchema>;

/** The task a report is about, as the journal names it: one lease of one task. */
export type TaskIdentity = Pick<ReportRequest, 'job_id' | 'task_id' | 'lease_id'>;

const LOG_NAME = 'journal.log';
/** Empty the log when nothing is in flight and it has grown past this. */
const COMPACT_BYTES = 1 << 20;

interface Pending {
  readonly line: string;
  readonly durable: boolean;
  readonly done: (error?: unknown) => void;
}

export class TaskJournal {
  private handle: Promise<FileHandle> | undefined;
  private queue: Pending[] = [];
  private writing = false;
  private size = 0;
  /** Compaction only after load(): an earlier run's entries must never be emptied unread. */
  private loaded = false;
  /** Hashes of the entries in the log that were not removed (for compaction only). */
  private readonly live = new Set<string>();

  private constructor(readonly dir: string) {}

  /** Create the directory and the log if needed (synchronous: once, at start-up). */
  static open(dir: string): TaskJournal {
    mkdirSync(dir, { recursive: true });
    closeSync(openSync(join(dir, LOG_NAME), 'a'));
    return new TaskJournal(dir);
  }

  /** Record that a task is starting. Durable when it resolves. */
  async add(entry: JournalEntry): Promise<void> {
    const key = keyOf(entry);
    this.live.add(key);
    await this.append(JSON.stringify({ op: 'add', key, entry }), true);
  }

  /** The task is accounted for (final report saved, or nobody wants it any more). */
  async remove(task: TaskIdentity): Promise<void> {
    const key = keyOf(task);
    this.live.delete(key);
    await this.append(JSON.stringify({ op: 'del', key }), false);
  }

  /** Entries left by an earlier run (tasks it was running when it stopped), oldest first. */
  async load(): Promise<JournalEntry[]> {
    const text = await readFile(join(this.dir, LOG_NAME), 'utf8').catch(() => '');
    const entries = new Map<string, JournalEntry>();
    for (const line of text.split('\n')) {
      const parsed = parseLine(line);
      if (parsed?.op === 'add') entries.set(parsed.key, parsed.entry);
      else if (parsed?.op === 'del') entries.delete(parsed.key);
    }
    this.size = Buffer.byteLength(text);
    this.loaded = true;
    for (const key of entries.keys()) this.live.add(key);
    return [...entries.values()].sort((a, b) => a.started_at - b.started_at);
  }

  /** Close the log file (the next write reopens it). */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await (await handle)?.close();
  }

  private append(line: string, durable: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${line}\n`, durable, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.writeBatches();
    });
  }

  /** One append (+ one fdatasync when any line of the batch needs it) per batch. */
  private async writeBatches(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await (this.handle ??= this.openLog());
          const text = batch.map((p) => p.line).join('');
          await handle.write(text);
          this.size += Buffer.byteLength(text);
          if (batch.some((p) => p.durable)) await handle.datasync();
          if (this.loaded && this.live.size === 0 && this.size > COMPACT_BYTES && this.queue.length === 0) {
            await handle.truncate(0);
            await handle.datasync();
            this.size = 0;
          }
          for (const p of batch) p.done();
        } catch (error) {
          for (const p of batch) p.done(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async openLog(): Promise<FileHandle> {
    const handle = await open(join(this.dir, LOG_NAME), 'a');
    // The log's directory entry must itself survive a power cut.
    await syncDirectory(this.dir);
    return handle;
  }
}

function keyOf(task: TaskIdentity): string {
  return createHash('sha1').update(`${task.job_id}\u0000${task.task_id}\u0000${task.lease_id}`).digest('hex');
}

function parseLine(line: string): v.InferOutput<typeof LineSchema> | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = v.safeParse(LineSchema, JSON.parse(line));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined; // a line torn by a crash mid-append
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
