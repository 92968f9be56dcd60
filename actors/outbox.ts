/**
 * The durable report outbox: the Reporter's {@link ReportStore} on disk.
 *
 * Every report is written to `<dir>/<id>.json` (temp file, fsync, rename, fsync
 * of the directory) before its first delivery attempt, and deleted once it is
 * settled (delivered, or refused for good). A worker killed at any moment leaves
 * exactly the reports that were not settled; the next run hands them back to the
 * Reporter with {@link Outbox.load} + `Reporter.resume`.
 *
 * Ids are a zero-padded counter that continues from the highest id found on
 * disk, so sorting file names gives the order reports were produced in, across
 * restarts and regardless of the wall clock (per-task order: Running before the
 * final report). A crash mid-write leaves only a `*.tmp-*` file: it is ignored
 * and cleaned up; a file that does not parse as a report is set aside as
 * `*.corrupt` for an operator to look at, never delivered.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { atomicWrite } from '../artifacts/atomicWrite.js';
import { ReportRequestSchema, type ReportRequest } from '../protocol/schemas.js';
import type { ReportStore } from './reporter.js';

/** A report an earlier run saved but did not settle. */
export interface SavedReport {
  readonly id: string;
  readonly report: ReportRequest;
}

/** What {@link Outbox.load} found besides good reports. */
export interface OutboxLoadResult {
  readonly reports: SavedReport[];
  /** Files that were not reports (set aside as `.corrupt`). */
  readonly corrupt: string[];
  /** Half-written temp files removed. */
  readonly partial: number;
}

const ID_DIGITS = 16;
const FILE_PATTERN = /^(\d{16})-(Running|Completed|Failed)\.json$/;

export class Outbox implements ReportStore {
  private counter = 0;

  private constructor(readonly dir: string) {}

  /**
   * Create the directory if needed and continue the id counter after what is on
   * disk. Synchronous (once, at start-up) so a worker can be built synchronously.
   */
  static open(dir: string): Outbox {
    mkdirSync(dir, { recursive: true });
    const outbox = new Outbox(dir);
    for (const name of readdirSync(dir)) {
      const match = FILE_PATTERN.exec(name);
      if (match !== null) outbox.counter = Math.max(outbox.counter, Number(match[1]));
    }
    return outbox;
  }

  /** The next id, in production order: `<counter>-<status>`. */
  nextId(report: ReportRequest): string {
    return `${String(++this.counter).padStart(ID_DIGITS, '0')}-${report.status}`;
  }

  async save(id: string, report: ReportRequest): Promise<void> {
    await atomicWrite(this.pathOf(id), JSON.stringify(report));
    // The rename is only durable once the directory entry is.
    await syncDirectory(this.dir);
  }

  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /** Reports left by earlier runs, oldest first. Cleans up half-written files. */
  async load(): Promise<OutboxLoadResult> {
    const reports: SavedReport[] = [];
    const corrupt: string[] = [];
    let partial = 0;
    for (const name of (await readdir(this.dir)).sort()) {
      if (name.includes('.tmp-')) {
        await rm(join(this.dir, name), { force: true });
        partial++;
        continue;
      }
      const match = FILE_PATTERN.exec(name);
      if (match === null) continue;
      const report = parseReport(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (report === undefined) {
        await rename(join(this.dir, name), join(this.dir, `${name}.corrupt`)).catch(() => undefined);
        corrupt.push(name);
        continue;
      }
      reports.push({ id: name.slice(0, -'.json'.length), report });
    }
    return { reports, corrupt, partial };
  }

  private pathOf(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new Error(`invalid outbox id ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }
}

function parseReport(text: string): ReportRequest | undefined {
  try {
    const parsed = v.safeParse(ReportRequestSchema, JSON.parse(text));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

/** fsync a directory so that renames and creations in it survive a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
