/**
 * The gateway floor: the bare loop a worker could at best run against the
 * gateway. `lanes` loops, each poll(1) + Running report + Completed report per
 * task, over node:http with a keep-alive agent (the transport itself, with no
 * client around it: no schemas, no classification, no retries). It registers
 * the `cpu` the worker would register for as many slots, and sends honest
 * heartbeats (its running count) at the interval the control plane gives, so
 * the gateway's capacity rule treats it as it treats the worker. It ends with an
 * `unhealthy` heartbeat: the gateway never forgets a worker, and a silent one
 * would go on winning tasks.
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpTransport } from '../actors/httpTransport.js';
import { finalKey, runningKey } from '../protocol/keys.js';
import { advertisedCpu } from '../protocol/capacity.js';

export interface GatewayFloorOptions {
  readonly url: string;
  readonly workerId: string;
  readonly lanes: number;
  /** Stop once this many tasks are done. */
  readonly tasks: number;
}

interface Leased {
  readonly job_id: string;
  readonly task_id: string;
  readonly attempt: number;
  readonly lease_id: string;
}

/** Run the floor; resolves with the number of tasks done. */
export async function gatewayFloor(options: GatewayFloorOptions): Promise<number> {
  const http = new HttpTransport({ baseUrl: options.url, timeoutMillis: 30_000 });
  const id = options.workerId;
  const post = async (path: string, body: unknown) => {
    const reply = await http.request('POST', path, JSON.stringify(body), undefined);
    if (reply.status !== 200) throw new Error(`${path}: HTTP ${reply.status}: ${reply.text}`);
    return reply.text;
  };
  const cpu = advertisedCpu({ configured: 0, slots: options.lanes, hostCpus: cpus().length });
  const registered = JSON.parse(await post('v1/workers/register', { worker_id: id, cpu, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' })) as { heartbeat_interval_seconds?: number };
  let running = 0;
  let done = 0;
  const beat = (health: string) => post(`v1/workers/${id}/heartbeat`, { queue_depth: 0, running_tasks: running, cpu_utilization: 0, memory_utilization: 0, health, timestamp_unix: Math.floor(Date.now() / 1000) });
  const beating = setInterval(() => void beat('healthy').catch(() => undefined), (registered.heartbeat_interval_seconds ?? 5) * 1000);
  const report = (task: Leased, status: 'Running' | 'Completed') =>
    post('v1/tasks/report', {
      worker_id: id,
      job_id: task.job_id,
      task_id: task.task_id,
      lease_id: task.lease_id,
      idempotency_key: (status === 'Running' ? runningKey : finalKey)(id, task.job_id, task.task_id, task.attempt),
      status,
      output_artifact_uri: status === 'Running' ? '' : `artifact://${task.job_id}/${task.task_id}/output.json`,
      error: '',
      duration_millis: 0,
    });
  const lane = async (): Promise<void> => {
    while (done < options.tasks) {
      const reply = await http.request('GET', `v1/workers/${id}/assignments?max_tasks=1`, undefined, undefined);
      const items = (JSON.parse(reply.text) as { assignments?: Leased[] | null }).assignments ?? [];
      if (items.length === 0) {
        // [] may hide queued work behind stale queue entries, and null may come before the job: ask again.
        await sleep(1);
        continue;
      }
      for (const task of items) {
        running++;
        await report(task, 'Running');
        await report(task, 'Completed');
        running--;
        done++;
      }
    }
  };
  try {
    await beat('healthy');
    await Promise.all(Array.from({ length: options.lanes }, lane));
  } finally {
    clearInterval(beating);
    await beat('unhealthy').catch(() => undefined);
    http.close();
  }
  return done;
}
