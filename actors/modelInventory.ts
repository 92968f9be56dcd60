/**
 * The models actually present in the model cache, for registration `models`.
 * A model counts when `<cache>/<org>/<name>` is a non-empty directory, the same
 * test model_download uses; hidden entries (temp dirs of downloads in progress,
 * old copies being replaced, lock files) never count, so a half download is
 * never advertised.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isNonEmptyDir } from '../executors/download/isNonEmptyDir.js';

/**
 * `org/name` of every installed model, sorted. A missing cache dir is an empty inventory.
 * @example
 * await listCachedModels('/tmp/splai-artifacts/models'); // ['Qwen/Qwen2.5-0.5B-Instruct']
 */
export async function listCachedModels(modelCacheDir: string): Promise<string[]> {
  const models: string[] = [];
  for (const org of await directories(modelCacheDir)) {
    for (const name of await directories(join(modelCacheDir, org))) {
      if (await isNonEmptyDir(join(modelCacheDir, org, name))) models.push(`${org}/${name}`);
    }
  }
  return models.sort();
}

async function directories(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);
  } catch {
    return [];
  }
}
