/**
 * The native way: list the repo's files and download each with the official
 * `@huggingface/hub` library, streaming to disk (no whole file in memory).
 * Every byte count is checked against the listing, so a connection cut
 * mid-file is a failure, never a short file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { TaskError } from '../../base/TaskError.js';
import type { ExecutorContext } from '../types.js';
import { hubEndpoint } from './hubEndpoint.js';

/** Files at least this large get progress lines in the task log. */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

interface HubFile {
  readonly path: string;
  readonly size: number;
}

/** Download every file of `model` into the (empty) directory `into`. Returns the file count. */
export async function hubDownload(context: ExecutorContext, model: string, into: string): Promise<number> {
  const hub = await import('@huggingface/hub');
  const hubUrl = hubEndpoint(context.config);
  const fetch = hubFetch(context, hubUrl);
  const repo = { type: 'model' as const, name: model };

  const files: HubFile[] = [];
  for await (const entry of hub.listFiles({ repo, recursive: true, hubUrl, fetch })) {
    if (entry.type === 'file') files.push({ path: entry.path, size: entry.size });
  }
  if (files.length === 0) throw new TaskError(`the hub lists no files for ${model}`);

  for (const file of files) {
    const destination = inside(into, file.path);
    await mkdir(dirname(destination), { recursive: true });
    if (file.size === 0) {
      await writeFile(destination, '');
      continue;
    }
    const blob = await hub.downloadFile({ repo, path: file.path, hubUrl, fetch });
    if (blob === null) throw new TaskError(`the hub lists ${file.path} in ${model} but does not serve it`);
    const written = await streamToFile(context, blob, destination, `${model}/${file.path}`, file.size);
    if (written !== file.size) throw new TaskError(`download of ${model}/${file.path} stopped at ${written} of ${file.size} bytes`);
  }
  return files.length;
}

/**
 * fetch for the hub library: the task's signal on every request, and the token
 * only towards the hub itself (never to a CDN it redirects to). Passing it
 * ourselves also accepts tokens the library's `hf_` prefix check would refuse.
 */
function hubFetch(context: ExecutorContext, hubUrl: string): typeof globalThis.fetch {
  const origin = new URL(hubUrl).origin;
  const token = context.config.hfToken;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    if (token !== '' && url.origin === origin && !headers.has('authorization')) headers.set('Authorization', `Bearer ${token}`);
    const signal = init?.signal ? AbortSignal.any([context.signal, init.signal]) : context.signal;
    return globalThis.fetch(input, { ...init, headers, signal });
  };
}

/** A repo path as a path under `root`, refusing anything that would leave it. */
function inside(root: string, path: string): string {
  const segments = path.split('/');
  if (path.includes('\\') || path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TaskError(`the hub listed an unsafe file path ${JSON.stringify(path)}`);
  }
  const full = resolve(root, path);
  if (!full.startsWith(resolve(root) + sep)) throw new TaskError(`the hub listed an unsafe file path ${JSON.stringify(path)}`);
  return full;
}

async function streamToFile(context: ExecutorContext, blob: Blob, destination: string, label: string, expected: number): Promise<number> {
  let written = 0;
  let nextReport = 0.1;
  const large = expected >= PROGRESS_MIN_BYTES;
  if (large) context.log('info', `downloading ${label} (${mib(expected)} MiB)`);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.byteLength;
      if (large && written / expected >= nextReport) {
        context.log('info', `downloading ${label}: ${Math.floor((written / expected) * 100)}% (${mib(written)} of ${mib(expected)} MiB)`);
        while (written / expected >= nextReport) nextReport += 0.1;
      }
      callback(null, chunk);
    },
  });
  const source = Readable.fromWeb(blob.stream() as NodeReadableStream<Uint8Array>);
  try {
    await pipeline(source, counter, createWriteStream(destination), { signal: context.signal });
  } catch (error) {
    context.signal.throwIfAborted();
    const message = error instanceof Error ? error.message : String(error);
    throw new TaskError(`download of ${label} failed after ${written} of ${expected} bytes: ${message}`);
  }
  return written;
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
