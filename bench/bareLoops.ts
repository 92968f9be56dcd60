/**
 * The two baselines that use the worker's own HTTP client but none of the
 * worker: no XState, no pool, no artifact, no logging.
 *
 * - the protocol floor: `lanes` loops, each doing poll(1) + Running report +
 *   Completed report per task until the queue is empty. It is the best any
 *   worker speaking this protocol through this client could do.
 * - the reference policy: the Go reference worker's loop: poll for
 *   `maxTasks`, run the batch one by one, sleep `pollMillis`, repeat.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlaneApi } from '../actors/controlPlaneClient.js';
import { finalKey, runningKey } from '../protocol/keys.js';
import type { ReportRequest } from '../protocol/schemas.js';

interface Leased {
  readonly job_id: string;
  readonly task_id: string;
  readonly attempt: number;
  readonly lease_id: string;
}

/** The fields a report needs; the control plane is trusted here (no validation, that is the worker's cost). */
function leased(raw: unknown): Leased {
  const item = raw as Partial<Leased>;
  return { job_id: String(item.job_id), task_id: String(item.task_id), attempt: Number(item.attempt ?? 1), lease_id: String(item.lease_id ?? '') };
}

function report(workerId: string, task: Leased, status: 'Running' | 'Completed'): ReportRequest {
  const running = status === 'Running';
  return {
    worker_id: workerId,
    job_id: task.job_id,
    task_id: task.task_id,
    lease_id: task.lease_id,
    idempotency_key: (running ? runningKey : finalKey)(workerId, task.job_id, task.task_id, task.attempt),
    status,
    output_artifact_uri: running ? '' : `artifact://${task.job_id}/${task.task_id}/output.json`,
    error: '',
    duration_millis: 0,
  };
}

async function runOne(api: ControlPlaneApi, workerId: string, raw: unknown): Promise<void> {
  const task = leased(raw);
  await api.report(report(workerId, task, 'Running'));
  await api.report(report(workerId, task, 'Completed'));
}

/**
 * Run the protocol floor until `tasks` tasks are done; resolves with the number done.
 * An empty reply is polled again at once: `null` too, since the job's tasks may still
 * be on their way into the queue, and on the gateway `[]` may hide queued work
 * behind stale queue entries (machines/poller.ts).
 */
export async function protocolFloor(api: ControlPlaneApi, workerId: string, lanes: number, tasks: number): Promise<number> {
  let done = 0;
  const lane = async (): Promise<void> => {
    while (done < tasks) {
      const items = await api.poll(workerId, 1);
      if (items === null || items.length === 0) {
        await sleep(1);
        continue;
      }
      for (const raw of items) {
        await runOne(api, workerId, raw);
        done++;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return done;
}

/**
 * Replay the reference worker's policy for `cycles` poll cycles. Resolves with
 * the tasks done and the elapsed time, the last sleep included (it is part of
 * the cycle: the next poll could not come earlier).
 */
export async function referencePolicy(api: ControlPlaneApi, workerId: string, options: { pollMillis: number; maxTasks: number; cycles: number }): Promise<{ tasks: number; millis: number }> {
  const started = performance.now();
  let tasks = 0;
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const items = await api.poll(workerId, options.maxTasks);
    for (const raw of items ?? []) {
      await runOne(api, workerId, raw);
      tasks++;
    }
    await sleep(options.pollMillis);
  }
  return { tasks, millis: performance.now() - started };
}
