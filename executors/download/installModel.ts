/**
 * Install a model into the cache, safely:
 * - the name is checked before any path is built (modelTarget);
 * - one download per model at a time, across threads and processes (modelLock);
 *   a waiter finds the model installed when the lock frees and downloads nothing;
 * - the download goes to a hidden temp dir beside the target and is renamed into
 *   place only when complete, so an interrupted download never counts as installed;
 * - ways to download, in order: the hub library, `hf`, `huggingface-cli`, `git`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { oneLine, TaskError } from '../TaskError.js';
import type { ExecutorContext } from '../types.js';
import { cliDownloads } from './cliDownloads.js';
import type { DownloadWay } from './downloadWay.js';
import { hubDownload } from './hubDownload.js';
import { isNonEmptyDir } from './isNonEmptyDir.js';
import { acquireModelLock } from './modelLock.js';
import { modelTarget, type ModelTarget } from './modelTarget.js';
import { CommandNotFoundError } from './runCommand.js';

/** The only model source the reference (and this worker) supports. */
export const MODEL_SOURCES = ['huggingface'] as const;

export interface InstallRequest {
  readonly model: string;
  readonly source: string;
  /** Keep an installed copy (true) or download it again (false). */
  readonly onlyIfMissing: boolean;
}

export interface InstallResult {
  readonly modelPath: string;
  /** False when the model was already there (or another task installed it meanwhile). */
  readonly installedNow: boolean;
}

/** Entries of an org dir that are ours, not models: temp dirs, old copies, locks. */
export const isWorkEntry = (name: string): boolean => name.startsWith('.');

export async function installModel(context: ExecutorContext, request: InstallRequest): Promise<InstallResult> {
  const source = request.source.toLowerCase();
  if (!(MODEL_SOURCES as readonly string[]).includes(source)) throw new TaskError(`unsupported model source "${request.source}" (supported: huggingface)`);
  const target = modelTarget(context.config.modelCacheDir, request.model);
  if (request.onlyIfMissing && (await isNonEmptyDir(target.dir))) return { modelPath: target.dir, installedNow: false };

  await mkdir(target.orgDir, { recursive: true });
  const lock = await acquireModelLock(join(target.orgDir, `.${target.name}.lock`), {
    signal: context.signal,
    onWait: () => context.log('info', `waiting for another download of ${target.model} to finish`),
  });
  try {
    // Whoever held the lock may have installed it while we waited.
    if (request.onlyIfMissing && (await isNonEmptyDir(target.dir))) return { modelPath: target.dir, installedNow: false };
    await removeLeftovers(target);
    await download(context, target);
    return { modelPath: target.dir, installedNow: true };
  } finally {
    await lock.release();
  }
}

async function download(context: ExecutorContext, target: ModelTarget): Promise<void> {
  const temp = await mkdtemp(join(target.orgDir, `.${target.name}.tmp-`));
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

/** Swap the complete download in; a previous copy (only_if_missing=false) is removed after. */
async function moveIntoPlace(target: ModelTarget, temp: string): Promise<void> {
  const old = join(target.orgDir, `.${target.name}.old-${randomBytes(4).toString('hex')}`);
  let replaced = false;
  try {
    await rename(target.dir, old);
    replaced = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(temp, target.dir);
  if (replaced) await rm(old, { recursive: true, force: true });
}

/**
 * Temp dirs and old copies of this model left by a download that crashed. Only
 * called under the lock, so none of them belongs to a live download.
 */
async function removeLeftovers(target: ModelTarget): Promise<void> {
  const prefixes = [`.${target.name}.tmp-`, `.${target.name}.old-`];
  for (const entry of await readdir(target.orgDir)) {
    if (prefixes.some((prefix) => entry.startsWith(prefix))) await rm(join(target.orgDir, entry), { recursive: true, force: true });
  }
}
