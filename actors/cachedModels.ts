/**
 * The models present in the model cache: `<cache>/<org>/<name>` and one-segment
 * models `<cache>/<name>` (see executors/download/cacheLayout.ts for how an org
 * directory is told from a one-segment model). A model counts when its directory
 * is non-empty, the test model_download uses; hidden entries (temp dirs of
 * downloads in progress, old copies being replaced, lock files) never count, so a
 * half download is never advertised. Names model_download would refuse are left
 * out: no task could use them.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyCacheEntry, isDirectoryEntry } from '../executors/download/cacheLayout.js';
import { isNonEmptyDir } from '../executors/download/isNonEmptyDir.js';
import { modelNameProblem } from '../executors/download/modelTarget.js';

/**
 * Every installed model, sorted: `org/name` ids and one-segment names alike.
 * A missing cache dir is an empty inventory; an unreadable one is an error.
 * @example
 * await listCachedModels('/tmp/splai-artifacts/models'); // ['Qwen/Qwen2.5-0.5B-Instruct', 'gpt2']
 */
export async function listCachedModels(modelCacheDir: string): Promise<string[]> {
  const models: string[] = [];
  for (const top of await visibleDirectories(modelCacheDir, { mustRead: true })) {
    const path = join(modelCacheDir, top);
    const kind = await classifyCacheEntry(path).catch(() => 'missing' as const);
    if (kind === 'model') models.push(top);
    else if (kind === 'org') {
      for (const name of await visibleDirectories(path)) {
        if (await isNonEmptyDir(join(path, name))) models.push(`${top}/${name}`);
      }
    }
  }
  return models.filter((model) => modelNameProblem(model) === undefined).sort();
}

/**
 * Names of the non-hidden directories (or links to directories) in `path`.
 * Nothing when `path` does not exist; other read errors are thrown only with
 * `mustRead` (the cache root), and mean nothing below it.
 */
async function visibleDirectories(path: string, options: { mustRead?: boolean } = {}): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (options.mustRead === true && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith('.') && (await isDirectoryEntry(path, entry))) names.push(entry.name);
  }
  return names;
}
