/**
 * An append-only file of lines with group commit: the storage under the report
 * outbox and the in-flight journal.
 *
 * Why one log instead of a file per record: a file per record costs an open, a
 * write, a rename and two fsyncs, one after the other, for every record. Here
 * every line appended while a write is in progress joins the next batch, and a
 * batch costs one `write` and, when any of its lines must be durable, one
 * `fdatasync`, however many tasks finish or start together.
 *
 * Crash safety:
 * - a line is durable once its `append(line, true)` resolved;
 * - a crash mid-append can only tear the last line; {@link AppendLog.open}
 *   cuts a torn tail off, so the next run's first line never fuses with it;
 * - the file is rewritten with only its live lines (the owner says which) when
 *   it has grown well past them: into a temp file, synced, renamed over the
 *   log, then the directory synced. A crash at any point leaves the old log or
 *   the new one, and both hold every live line.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { syncDirectory } from './syncDirectory.js';

/**
 * Rewrite the log once it is this much larger than twice its live lines after
 * the last rewrite: a rewrite copies the live lines, so it must stay rare
 * (amortised, a line is copied about once) even while a backlog grows.
 */
const COMPACT_SLACK_BYTES = 1 << 20;

interface Pending {
  readonly text: string;
  readonly durable: boolean;
  readonly done: (error?: unknown) => void;
}

export class AppendLog {
  private handle: Promise<FileHandle> | undefined;
  private queue: Pending[] = [];
  private writing = false;
  private size = 0;
  private liveBytesAfterCompaction = 0;
  /** No rewrite before the owner has read the log: an earlier run's lines must never be dropped unread. */
  private compactable = false;
  /** A write failed: the file may end in part of a line. */
  private torn = false;

  private constructor(
    readonly path: string,
    private readonly liveLines: () => Iterable<string>,
  ) {}

  /**
   * Create the log (and its directory) if needed, remove a rewrite a crash
   * interrupted, and cut off a line torn by a crash. Synchronous: it runs once,
   * while the worker is built.
   *
   * @param liveLines the lines (without newline) a rewrite must keep: the owner's current state.
   * @param onOpen given the log's complete lines as found (one read of the file at start-up).
   */
  static open(path: string, liveLines: () => Iterable<string>, onOpen?: (text: string) => void): AppendLog {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(compactionPath(path), { force: true });
    const text = cutTornTail(path);
    onOpen?.(text);
    return new AppendLog(path, liveLines);
  }

  /** Append one line (no newline in it). With `durable`, it resolves once the line is on disk. */
  append(line: string, durable: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text: `${line}\n`, durable, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.writeBatches();
    });
  }

  /** Every complete line in the log, oldest first. Allows rewrites from now on. */
  async readLines(): Promise<string[]> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    this.size = Buffer.byteLength(text);
    this.compactable = true;
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a line still being appended
    return lines;
  }

  /** Resolves once every line appended so far is written (durable ones synced). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    // An empty entry at the end of the queue: done when everything before it is.
    return new Promise<void>((resolve) => this.queue.push({ text: '', durable: false, done: () => resolve() }));
  }

  /** Close the file (the next append reopens it). */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await (await handle)?.close();
  }

  private async writeBatches(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await (this.handle ??= this.openForAppend());
          const bytes = Buffer.from(batch.map((p) => p.text).join(''));
          // A write may be short (at a size limit or a full disk): go on until all
          // is written, or the error that follows says why not.
          for (let offset = 0; offset < bytes.length; ) {
            const { bytesWritten } = await handle.write(bytes, offset);
            if (bytesWritten === 0) throw new Error(`no progress appending to ${this.path}`);
            offset += bytesWritten;
          }
          this.size += bytes.length;
          if (batch.some((p) => p.durable)) await handle.datasync();
          if (this.compactable && this.queue.length === 0 && this.size > 2 * this.liveBytesAfterCompaction + COMPACT_SLACK_BYTES) await this.compact();
          for (const p of batch) p.done();
        } catch (error) {
          // A failed write (a full disk, say) may have left part of a line: the next
          // open cuts it off, so later lines never fuse with it.
          await this.close().catch(() => undefined);
          this.torn = true;
          for (const p of batch) p.done(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async openForAppend(): Promise<FileHandle> {
    if (this.torn) {
      cutTornTail(this.path);
      this.torn = false;
    }
    const handle = await open(this.path, 'a');
    // The log's directory entry must itself survive a power cut.
    await syncDirectory(dirname(this.path));
    return handle;
  }

  /**
   * Replace the log with its live lines (temp file, datasync, rename, directory
   * sync). A failure leaves the old log in use: it only grows further, and the
   * lines of the batch that triggered the rewrite are durable either way.
   */
  private async compact(): Promise<void> {
    let text = '';
    for (const line of this.liveLines()) text += `${line}\n`;
    const temp = compactionPath(this.path);
    try {
      const next = await open(temp, 'w');
      try {
        await next.write(text);
        await next.datasync();
      } finally {
        await next.close();
      }
      await rename(temp, this.path);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
      this.liveBytesAfterCompaction = this.size; // try again only after as much growth again
      return;
    }
    // From the rename on, appends must go to the new file: drop the old handle first.
    await this.close().catch(() => undefined);
    this.size = Buffer.byteLength(text);
    this.liveBytesAfterCompaction = this.size;
    await syncDirectory(dirname(this.path)).catch(() => undefined); // the next open syncs it again
  }
}

/**
 * Truncate the file after its last newline (what follows is a line a crash or a
 * failed write cut short); returns what is kept.
 */
function cutTornTail(path: string): string {
  const fd = openSync(path, 'a+');
  try {
    const bytes = readFileSync(fd);
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end < bytes.length) ftruncateSync(fd, end);
    return bytes.subarray(0, end).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function compactionPath(path: string): string {
  return `${dirname(path)}/.${basename(path)}.compacting`;
}
