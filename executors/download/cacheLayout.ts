/**
 * The layout of the model cache, shared by the installer and the inventory.
 *
 * A model `org/name` lives in `<cache>/<org>/<name>`, a one-segment model `gpt2`
 * in `<cache>/gpt2`. Beside each model dir, in the same parent, the installer
 * keeps its work entries: the lock `.<leaf>.lock`, temp dirs `.<leaf>.tmp-XXXXXX`
 * and old copies `.<leaf>.old-xxxxxxxx`. They are hidden, and model names cannot
 * start with a dot, so a work entry is never a model.
 *
 * A top-level directory of the cache is therefore either an *org directory*
 * (it holds model directories and work entries only) or a *one-segment model*
 * (it holds a model's files). Model repos always have files at their top:
 * the Hub creates every repo with a `.gitattributes`, `hf download` writes `.cache/`,
 * `git clone` writes `.git`, and their files (`config.json`, weights) are visible.
 * An org directory never holds a visible file of its own, because only the
 * installer writes there. That difference is the test. Other hidden entries
 * count for neither: a crash of an older version may have left its own temp
 * dirs, and file managers leave `.DS_Store`.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file of the model whose directory is `<parent>/<leaf>`. */
export const lockFileName = (leaf: string): string => `.${leaf}.lock`;

/** The prefix of a temp dir (mkdtemp appends six letters or digits). */
export const tempDirPrefix = (leaf: string): string => `.${leaf}.tmp-`;

/** An old copy being replaced; `suffix` is eight hex digits. */
export const oldCopyName = (leaf: string, suffix: string): string => `.${leaf}.old-${suffix}`;

const TEMP_SUFFIX = /^[A-Za-z0-9]{6}$/;
const OLD_SUFFIX = /^[0-9a-f]{8}$/;

/**
 * True when `entry` is a temp dir or old copy of exactly the model `leaf`.
 * Exact, not a prefix test: the model `a` must not claim `.a.tmp-x.lock`, the
 * lock of another model called `a.tmp-x`.
 */
export function isLeftoverOf(entry: string, leaf: string): boolean {
  const temp = tempDirPrefix(leaf);
  const old = `.${leaf}.old-`;
  if (entry.startsWith(temp)) return TEMP_SUFFIX.test(entry.slice(temp.length));
  if (entry.startsWith(old)) return OLD_SUFFIX.test(entry.slice(old.length));
  return false;
}

/**
 * What a top-level path of the cache holds:
 * - `missing`: nothing there;
 * - `empty`: an empty directory (a new org dir, or what a crash left);
 * - `org`: model directories and work entries only;
 * - `model`: a one-segment model's files;
 * - `file`: something that is not a directory.
 */
export type CacheEntryKind = 'missing' | 'empty' | 'org' | 'model' | 'file';

/**
 * Classify `path` (see the module comment).
 * @throws the file-system error when `path` cannot be read for another reason than not existing.
 */
export async function classifyCacheEntry(path: string): Promise<CacheEntryKind> {
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') return 'file';
    throw error;
  }
  if (entries.length === 0) return 'empty';
  for (const entry of entries) {
    if (entry.name.startsWith('.')) {
      if (REPO_MARKERS.has(entry.name)) return 'model';
      continue;
    }
    if (!(await isDirectoryEntry(path, entry))) return 'model';
  }
  return 'org';
}

/** Hidden entries only a model repo has at its top (see the module comment). */
const REPO_MARKERS: ReadonlySet<string> = new Set(['.gitattributes', '.git', '.cache']);

/** A directory, or a symbolic link to one (an operator may link a model in from another disk). */
export async function isDirectoryEntry(parent: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(join(parent, entry.name))).isDirectory();
  } catch {
    return false;
  }
}
