/**
 * Entry of every task thread in the pool. It dispatches one assignment to its
 * executor, writes the output artifact (off the main thread) and returns a small
 * result. It never throws: every failure becomes `{ ok: false, error }`, a
 * one-line message for the `Failed` report.
 */
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import type { ArtifactStore } from '../artifacts/ArtifactStore.js';
import { createArtifactStore } from '../artifacts/createArtifactStore.js';
import { assertSafeId } from '../artifacts/ids.js';
import { commandHostClient } from '../sandbox/commandHostClient.js';
import { executorFor } from './registry.js';
import { isTaskError, oneLine } from '../base/TaskError.js';
import type { MainToThread, ThreadData, ThreadRequest, ThreadResult, ThreadToMain } from './threadProtocol.js';
import type { TaskLog } from './types.js';

const data = (workerData as [unknown, ThreadData])[1];

/**
 * Task work runs at a lower CPU priority than the main thread, so that busy
 * slots never delay heartbeats, polls and reports (docs/performance.md: with
 * every slot burning CPU the main thread's event-loop delay stays low). On Linux
 * setpriority(0) applies to the calling thread only, and the commands a task
 * spawns inherit it; elsewhere it would lower the whole process, so it is skipped.
 */
export const TASK_THREAD_NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(0, TASK_THREAD_NICE);
  } catch {
    // not permitted (e.g. a seccomp profile): run at the main thread's priority
  }
}
const channel = new BroadcastChannel(data.channelName);
// The channel must not keep an idle thread alive.
(channel as unknown as { unref?: () => void }).unref?.();

let draining = false;
const running = new Map<string, AbortController>();

channel.onmessage = (event: MessageEvent<MainToThread>) => {
  const message = event.data;
  if (message.type === 'draining') draining = true;
  else if (message.type === 'abort') running.get(message.key)?.abort(new Error(message.reason));
};

const post = (message: ThreadToMain): void => channel.postMessage(message);

let storePromise: Promise<ArtifactStore> | undefined;
const store = (): Promise<ArtifactStore> => (storePromise ??= createArtifactStore(data.config));

export default async function runTask(request: ThreadRequest): Promise<ThreadResult> {
  const { assignment, key, commandHost } = request;
  const controller = new AbortController();
  running.set(key, controller);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    assertSafeId('job id', assignment.job_id);
    assertSafeId('task id', assignment.task_id);
    const executor = await executorFor(assignment.type);
    if (executor === undefined) return { ok: false, error: `unsupported task type "${assignment.type}"`, executorMillis: elapsed() };
    const log: TaskLog = (level, message, fields) => post({ type: 'log', key, level, message, ...(fields === undefined ? {} : { fields }) });
    const artifacts = await store();
    const output = await executor({
      assignment,
      config: data.config,
      signal: controller.signal,
      artifacts,
      log,
      isDraining: () => draining,
      trackChild: (pid) => post({ type: 'child', key, pid }),
      ...(commandHost === undefined ? {} : { runSandboxed: (options) => commandHostClient(commandHost).run(options) }),
    });
    const executorMillis = elapsed();
    controller.signal.throwIfAborted();
    const uri = await artifacts.write(assignment.job_id, assignment.task_id, {
      job_id: assignment.job_id,
      task_id: assignment.task_id,
      type: assignment.type,
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...output,
    });
    // model_download (or llm_inference installing its model) changed the cache inventory.
    const installed = output.model_installed_now === true && typeof output.model === 'string' ? { modelInstalled: output.model } : {};
    return { ok: true, uri, executorMillis, ...installed };
  } catch (error) {
    return { ok: false, error: describeFailure(assignment.type, error), executorMillis: elapsed() };
  } finally {
    running.delete(key);
  }
}

function describeFailure(type: string, error: unknown): string {
  if (isTaskError(error)) return oneLine(error.message);
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(`${type} failed: ${message}`);
}
