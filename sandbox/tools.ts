/**
 * The host programs the sandbox is built from, found once on the worker's PATH.
 * Absolute paths are resolved up front so the command's own (reduced) PATH can
 * never change which binary sets up its isolation.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SandboxTools {
  readonly bwrap?: string;
  readonly unshare?: string;
  readonly prlimit?: string;
  readonly setpriv?: string;
  readonly pivotRoot?: string;
}

/** Absolute path of an executable `name` in `dirs`, or undefined. */
export function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * Look the tools up on `path` (the worker's PATH). pivot_root lives in sbin,
 * which is often missing from a service's PATH, so sbin is searched for it too.
 */
export function findSandboxTools(path: string): SandboxTools {
  const dirs = path.split(delimiter);
  const found: Record<string, string> = {};
  const add = (key: keyof SandboxTools, name: string, extra: readonly string[] = []): void => {
    const at = findExecutable(name, [...dirs, ...extra]);
    if (at !== undefined) found[key] = at;
  };
  add('bwrap', 'bwrap');
  add('unshare', 'unshare');
  add('prlimit', 'prlimit');
  add('setpriv', 'setpriv');
  add('pivotRoot', 'pivot_root', ['/usr/sbin', '/sbin']);
  return found as SandboxTools;
}
