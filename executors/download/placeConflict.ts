/**
 * A one-segment model and an org share the top level of the cache: `<cache>/acme`
 * is either the model `acme` or the org of `acme/tiny`, never both. Installing
 * one where the other already is would mix them up: `acme` "found installed"
 * when only `acme/tiny` is there, a re-download of `acme` moving the whole org
 * aside and deleting it, or `gpt2/onnx` written into the model `gpt2`.
 */
import { join } from 'node:path';
import { classifyCacheEntry } from './cacheLayout.js';
import type { ModelTarget } from './modelTarget.js';

/** Why `target` cannot go where it belongs, or undefined when its place is free or its own. */
export async function placeConflict(target: ModelTarget): Promise<string | undefined> {
  if (target.org === undefined) {
    const kind = await classifyCacheEntry(target.dir);
    if (kind === 'org') return `the model cache holds models of an org called ${target.model} (${target.model}/...) in that directory`;
    if (kind === 'file') return `${target.dir} is a file, not a model directory`;
    return undefined;
  }
  const kind = await classifyCacheEntry(target.parentDir);
  if (kind === 'model') return `${target.org} in the model cache is the installed model ${JSON.stringify(target.org)}, not an org directory`;
  if (kind === 'file') return `${join(target.cacheDir, target.org)} is a file, not an org directory`;
  return undefined;
}
