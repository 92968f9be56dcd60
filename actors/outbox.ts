/**
 * The durable report outbox: the Reporter's {@link ReportStore} on disk.
 *
 * Every report is saved before its first delivery attempt and marked settled
 * once it is (delivered, or refused for good). A worker killed at any moment
 * leaves exactly the reports that were not settled; the next run hands them
 * back to the Reporter with {@link Outbox.load} + `Reporter.resume`.
 *
 * Layout: one append-only log ({@link AppendLog}), `outbox.log`, one JSON line
 * per change: `put` with the id and the report, `del` with the id. A `put` is
 * durable when `save` resolves, and reports saved together share one
 * fdatasync (group commit: what keeps a busy worker's cost per report low). A
 * `del` is not synced: if a power cut loses it, the report is delivered again
 * after the restart with the same idempotency key, and the control plane keeps
 * the first.
 *
 * Ids are a zero-padded counter that continues from the highest id found on
 * disk, so sorting them gives the order reports were produced in, across
 * restarts and regardless of the wall clock (per-task order: Running before
 * the final report). A line that cannot be read is never delivered: it is
 * copied to `corrupt.log` for an operator to look at. Reports in the layout of
 * earlier versions (a file per report) are moved into the log when it is loaded.
 */
import { readdirSync } from 'node:fs';
import { appendFile, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { parseJsonAs } from '../protocol/parseJsonAs.js';
import { ReportRequestSchema, type ReportRequest } from '../protocol/schemas.js';
import { AppendLog } from '../base/appendLog.js';
import type { ReportStore } from './reporter.js';

/** A report an earlier run saved but did not settle. */
export interface SavedReport {
  readonly id: string;
  readonly report: ReportRequest;
}

/** What {@link Outbox.load} found besides good reports. */
export interface OutboxLoadResult {
  readonly reports: SavedReport[];
  /** Lines (or old-layout files) that were not reports: set aside, never delivered. */
  readonly corrupt: string[];
  /** Half-written files of the old layout, removed. */
  readonly partial: number;
}

const ID_DIGITS = 16;
const ID_PATTERN = /^\d{16}-(Running|Completed|Failed)$/;
/** A report file of the layout before the log (one file per report). */
const LEGACY_FILE = /^(\d{16}-(?:Running|Completed|Failed))\.json$/;
const LOG_NAME = 'outbox.log';
const CORRUPT_NAME = 'corrupt.log';

const LineSchema = v.union([
  v.object({ op: v.literal('put'), id: v.pipe(v.string(), v.regex(ID_PATTERN)), report: ReportRequestSchema }),
  v.object({ op: v.literal('del'), id: v.string() }),
]);

export class Outbox implements ReportStore {
  private counter = 0;
  /** The `put` line of every report saved and not settled: what a rewrite of the log keeps. */
  private readonly live = new Map<string, string>();
  private readonly log: AppendLog;

  private constructor(readonly dir: string) {
    // Every line starts with its id (see save/remove): the counter needs no parsing of reports.
    this.log = AppendLog.open(join(dir, LOG_NAME), () => this.live.values(), (text) => {
      for (const match of text.matchAll(/^\{"op":"(?:put|del)","id":"(\d{16})-/gm)) if (match[1] !== undefined) this.continueAfter(match[1]);
    });
  }

  /**
   * Create the directory and the log if needed and continue the id counter after
   * what is on disk. Synchronous (once, at start-up) so a worker can be built
   * synchronously; {@link load} reads the reports themselves.
   */
  static open(dir: string): Outbox {
    const outbox = new Outbox(dir);
    for (const name of readdirSync(dir)) {
      const legacy = LEGACY_FILE.exec(name);
      if (legacy?.[1] !== undefined) outbox.continueAfter(legacy[1]);
    }
    return outbox;
  }

  /** The next id, in production order: `<counter>-<status>`. */
  nextId(report: ReportRequest): string {
    return `${String(++this.counter).padStart(ID_DIGITS, '0')}-${report.status}`;
  }

  async save(id: string, report: ReportRequest): Promise<void> {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid outbox id ${JSON.stringify(id)}`);
    const line = JSON.stringify({ op: 'put', id, report });
    this.live.set(id, line);
    await this.log.append(line, true);
  }

  async remove(id: string): Promise<void> {
    if (!this.live.delete(id)) return;
    await this.log.append(JSON.stringify({ op: 'del', id }), false);
  }

  /** Reports left by earlier runs, oldest first. */
  async load(): Promise<OutboxLoadResult> {
    const found = new Map<string, { report: ReportRequest; line: string }>();
    const corrupt: string[] = [];
    for (const line of await this.log.readLines()) {
      if (line === '') continue;
      const parsed = parseJsonAs(LineSchema, line);
      if (parsed === undefined) corrupt.push(line);
      else if (parsed.op === 'put') found.set(parsed.id, { report: parsed.report, line });
      else found.delete(parsed.id);
    }
    if (corrupt.length > 0) await appendFile(join(this.dir, CORRUPT_NAME), corrupt.map((line) => `${line}\n`).join(''));
    for (const [id, { line }] of found) this.live.set(id, line);
    // Imported reports are saved into the log (and so into `live`) as they are read.
    const legacy = await this.importLegacyFiles();
    const reports = [...[...found].map(([id, { report }]) => ({ id, report })), ...legacy.reports].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { reports, corrupt: [...corrupt, ...legacy.corrupt], partial: legacy.partial };
  }

  /** Close the log file (the next write reopens it). */
  close(): Promise<void> {
    return this.log.close();
  }

  private continueAfter(id: string): void {
    this.counter = Math.max(this.counter, Number(id.slice(0, ID_DIGITS)));
  }

  /**
   * Move reports an older version left as one file each into the log (saved
   * before the file is removed); set aside files that are not reports and
   * remove half-written temp files.
   */
  private async importLegacyFiles(): Promise<OutboxLoadResult> {
    const reports: SavedReport[] = [];
    const corrupt: string[] = [];
    let partial = 0;
    for (const name of (await readdir(this.dir)).sort()) {
      const path = join(this.dir, name);
      if (/\.json\.tmp-/.test(name)) {
        await rm(path, { force: true });
        partial++;
        continue;
      }
      const id = LEGACY_FILE.exec(name)?.[1];
      if (id === undefined) continue;
      const report = parseJsonAs(ReportRequestSchema, await readFile(path, 'utf8').catch(() => ''));
      if (report === undefined) {
        await rename(path, `${path}.corrupt`).catch(() => undefined);
        corrupt.push(name);
        continue;
      }
      await this.save(id, report);
      await rm(path, { force: true });
      reports.push({ id, report });
    }
    return { reports, corrupt, partial };
  }
}
