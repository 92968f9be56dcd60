import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './syncDirectory.js';

/**
 * Write a file so that readers see either nothing or the whole content: write a
 * temp file beside it, fsync, rename over the target, fsync the directory (so
 * the rename itself survives a power cut). A crash mid-write leaves only a
 * `.tmp-*` file, never a half `output.json`; a failed write removes its temp file.
 */
export async function atomicWrite(path: string, content: string | Uint8Array, options: { fsync?: boolean } = {}): Promise<void> {
  const fsync = options.fsync ?? true;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  // 'wx': never write through a file (or symlink) someone placed at the temp name.
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(content);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (fsync) await syncDirectory(dir);
}
