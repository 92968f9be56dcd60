import { readdir } from 'node:fs/promises';

/** True when `path` is a directory with at least one entry (the reference's "installed" test). */
export async function isNonEmptyDir(path: string): Promise<boolean> {
  try {
    const entries = await readdir(path);
    return entries.length > 0;
  } catch {
    return false;
  }
}
