/**
 * One download of a model at a time, across the task threads of this process and
 * across worker processes sharing a cache: a lock file created with O_EXCL
 * (`open(..., 'wx')`). Whoever does not get it waits and then finds the model
 * installed. A lock whose holder died (same host, pid gone) or stopped touching
 * it (no heartbeat for STALE_MILLIS, e.g. another host on a shared volume) is
 * taken over, so a crash never blocks a model forever.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const HEARTBEAT_MILLIS = 10_000;
const STALE_MILLIS = 60_000;

export interface ModelLock {
  /** Remove the lock file (only if it is still ours). */
  release(): Promise<void>;
}

export interface LockOptions {
  readonly signal: AbortSignal;
  /** Called once when the lock is busy and this caller starts waiting. */
  readonly onWait?: () => void;
  /** Poll interval while waiting. */
  readonly pollMillis?: number;
}

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** Take the lock at `path`, waiting (until `signal` aborts) while someone else holds it. */
export async function acquireModelLock(path: string, options: LockOptions): Promise<ModelLock> {
  const content: LockContent = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  let waited = false;
  for (;;) {
    options.signal.throwIfAborted();
    try {
      await writeFile(path, JSON.stringify(content), { flag: 'wx' });
      return held(path, content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await takeOverIfStale(path)) continue;
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    await sleep(options.pollMillis ?? 200, undefined, { signal: options.signal }).catch(() => options.signal.throwIfAborted());
  }
}

function held(path: string, content: LockContent): ModelLock {
  // Touch the lock so other hosts can tell a live holder from a dead one.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MILLIS);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      const current = await readLock(path);
      if (current?.token === content.token) await rm(path, { force: true });
    },
  };
}

async function readLock(path: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

/** Remove the lock at `path` when its holder is gone; true when it was removed. */
async function takeOverIfStale(path: string): Promise<boolean> {
  const [current, info] = await Promise.all([readLock(path), stat(path).catch(() => undefined)]);
  if (info === undefined) return true; // released meanwhile: try again at once
  const holderDead = current !== undefined && current.host === hostname() && !processAlive(current.pid);
  const silent = Date.now() - info.mtimeMs > STALE_MILLIS;
  if (!holderDead && !silent) return false;
  // Only remove the lock we judged: a fresh one taken meanwhile has another token.
  const again = await readLock(path);
  if (again?.token !== current?.token) return false;
  await rm(path, { force: true });
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
