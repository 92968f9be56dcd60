/**
 * Install a model into the cache, safely:
 * - the name is checked before any path is built (modelTarget), and its place
 *   must not be taken by an org or model of the same name (placeConflict);
 * - one download per model at a time, across threads and processes (modelLock);
 *   a waiter finds the model installed when the lock frees and downloads nothing;
 * - the download goes to a hidden temp dir beside the target and is renamed into
 *   place only when complete, so an interrupted download never counts as installed;
 * - ways to download, in order: the hub library, `hf`, `huggingface-cli`, `git`.
 *
 * The lock, temp dirs and old copies live beside the model dir (cacheLayout):
 * in `<cache>/<org>` for `org/name`, in `<cache>` itself for a one-segment name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { oneLine, TaskError } from '../../base/TaskError.js';
import type { ExecutorContext } from '../types.js';
import { isLeftoverOf, lockFileName, oldCopyName, tempDirPrefix } from './cacheLayout.js';
import { cliDownloads } from './cliDownloads.js';
import type { DownloadWay } from './downloadWay.js';
import { hubDownload } from './hubDownload.js';
import { isNonEmptyDir } from './isNonEmptyDir.js';
import { acquireModelLock } from './modelLock.js';
import { modelTarget, type ModelTarget } from './modelTarget.js';
import { placeConflict } from './placeConflict.js';
import { CommandNotFoundError } from './runCommand.js';

/** The only model source the reference (and this worker) supports. */
export const MODEL_SOURCES = ['huggingface'] as const;

export interface InstallRequest {
  /** `gpt2`, `llama3-8b-q4` or `org/name`, as the task gave it. */
  readonly model: string;
  /** Compared case-insensitively, trimmed; empty means huggingface (as the reference). */
  readonly source: string;
  /** Keep an installed copy (true) or download it again (false). */
  readonly onlyIfMissing: boolean;
}

export interface InstallResult {
  readonly modelPath: string;
  /** False when the model was already there (or another task installed it meanwhile). */
  readonly installedNow: boolean;
}

/**
 * Make sure `request.model` is in the model cache; see the module comment for the guarantees.
 * @throws TaskError for an unsupported source, an unsafe name, a name whose place
 *   is taken, or when every way to download failed; the task signal's reason when cancelled.
 */
export async function installModel(context: ExecutorContext, request: InstallRequest): Promise<InstallResult> {
  const source = request.source.trim().toLowerCase() || 'huggingface';
  if (!(MODEL_SOURCES as readonly string[]).includes(source)) throw new TaskError(`unsupported model source "${request.source}" (supported: huggingface)`);
  const target = modelTarget(context.config.modelCacheDir, request.model);
  await refuseConflict(target);
  if (request.onlyIfMissing && (await isNonEmptyDir(target.dir))) return { modelPath: target.dir, installedNow: false };

  await mkdir(target.parentDir, { recursive: true });
  const lock = await acquireModelLock(join(target.parentDir, lockFileName(target.leaf)), {
    signal: context.signal,
    onWait: () => context.log('info', `waiting for another download of ${target.model} to finish`),
  });
  try {
    // Checked again under the lock: a one-segment model and an org of the same
    // name may have been installed meanwhile (their locks are different files).
    await refuseConflict(target);
    // Whoever held the lock may have installed it while we waited.
    if (request.onlyIfMissing && (await isNonEmptyDir(target.dir))) return { modelPath: target.dir, installedNow: false };
    await removeLeftovers(target);
    await download(context, target);
    return { modelPath: target.dir, installedNow: true };
  } finally {
    await lock.release();
  }
}

async function refuseConflict(target: ModelTarget): Promise<void> {
  const conflict = await placeConflict(target);
  if (conflict !== undefined) throw new TaskError(`cannot install ${target.model}: ${conflict}`);
}

async function download(context: ExecutorContext, target: ModelTarget): Promise<void> {
  const temp = await mkdtemp(join(target.parentDir, tempDirPrefix(target.leaf)));
  try {
    await fillTemp(context, target, temp);
    await moveIntoPlace(target, temp);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The native hub library first, then the reference worker's CLIs in its order. */
const DOWNLOAD_WAYS: readonly DownloadWay[] = [{ name: 'hub', run: async (context, model, into) => void (await hubDownload(context, model, into)) }, ...cliDownloads];

/** Try each way until one leaves a non-empty directory; the temp dir is emptied between tries. */
async function fillTemp(context: ExecutorContext, target: ModelTarget, temp: string): Promise<void> {
  const failures: string[] = [];
  for (const way of DOWNLOAD_WAYS) {
    context.signal.throwIfAborted();
    try {
      await way.run(context, target.model, temp);
      if (await isNonEmptyDir(temp)) {
        context.log('info', `downloaded ${target.model} with ${way.name}`);
        return;
      }
      failures.push(`${way.name}: downloaded nothing`);
    } catch (error) {
      context.signal.throwIfAborted();
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${way.name}: ${message}`);
      if (!(error instanceof CommandNotFoundError)) context.log('warn', `downloading ${target.model} with ${way.name} failed: ${oneLine(message, 300)}`);
    }
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp);
  }
  throw new TaskError(`model_download of ${target.model} failed: ${failures.join('; ')}`);
}

/**
 * Put the complete download in place. Where nothing (or an empty dir) is, one
 * rename does it. An installed copy (only_if_missing=false) is moved aside
 * first and removed after, and moved back if the swap fails.
 */
async function moveIntoPlace(target: ModelTarget, temp: string): Promise<void> {
  try {
    await rename(temp, target.dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  // Never move aside what is not this model's copy (an org of the same name).
  await refuseConflict(target);
  const old = join(target.parentDir, oldCopyName(target.leaf, randomBytes(4).toString('hex')));
  await rename(target.dir, old);
  try {
    await rename(temp, target.dir);
  } catch (error) {
    await rename(old, target.dir).catch(() => undefined);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}

/**
 * Temp dirs and old copies of this model left by a download that crashed. Only
 * called under the lock, so none of them belongs to a live download.
 */
async function removeLeftovers(target: ModelTarget): Promise<void> {
  for (const entry of await readdir(target.parentDir)) {
    if (isLeftoverOf(entry, target.leaf)) await rm(join(target.parentDir, entry), { recursive: true, force: true });
  }
}
