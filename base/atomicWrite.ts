import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { syncDirectorySync } from './syncDirectory.js';

/**
 * Write a file so that readers see either nothing or the whole content: write a
 * temp file beside it, fsync, rename over the target, fsync the directory (so
 * the rename itself survives a power cut). A crash mid-write leaves only a
 * `.tmp-*` file, never a half `output.json`; a failed write removes its temp file.
 *
 * Synchronous on purpose: outputs are written by pool threads, each running one
 * task at a time, where blocking costs nothing and skips the libuv thread-pool
 * round trip of every call (about half the CPU of the promise version, measured:
 * docs/performance.md). Do not call it on the main thread.
 */
export function atomicWriteSync(path: string, content: string | Uint8Array, options: { fsync?: boolean } = {}): void {
  const fsync = options.fsync ?? true;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    // 'wx': never write through a file (or symlink) someone placed at the temp name.
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeFileSync(fd, content);
      if (fsync) fdatasyncSync(fd); // data and size; timestamps need not survive a power cut
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (fsync) syncDirectorySync(dir);
}
