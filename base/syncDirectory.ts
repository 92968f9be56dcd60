import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Errors of file systems that cannot fsync a directory: nothing more can be done there. */
const UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR']);

function unlessUnsupported(error: unknown): void {
  if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
}

/**
 * fsync a directory, so that files created or renamed in it survive a power
 * cut (syncing a file does not make its directory entry durable). A file
 * system that refuses to sync directories is not an error; any other failure is.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    unlessUnsupported(error);
  } finally {
    await handle?.close();
  }
}

/** {@link syncDirectory}, blocking: for threads that do one thing at a time. */
export function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    unlessUnsupported(error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
