import { open } from 'node:fs/promises';

/** Errors of file systems that cannot fsync a directory: nothing more can be done there. */
const UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR']);

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
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
