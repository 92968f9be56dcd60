/**
 * `node dist/bench/realGateway.js --gateway <api-gateway binary> <part> [rounds]`:
 * the bench's figures measured by hand against the real SPLAI gateway, as
 * docs/performance.md reports them. It runs (never builds) the binary it is
 * given, on a loopback port, a fresh process for each run (the gateway's
 * in-memory queue only grows), with a planner endpoint of its own so that any
 * DAG can be submitted (the gateway's `SPLAI_LLM_PLANNER_ENDPOINT` hook; jobs go
 * in as `{"planner_mode":"llm","type":"custom","input":"{\"tasks\":[...]}"}`).
 *
 * Parts:
 * - `throughput`: the gateway floor (gatewayFloor.ts) and the real daemon, 8
 *   lanes/slots, 2,000 trivial tasks each, alternating; prints the ratio;
 * - `slots`: 12 tasks of `sleep 6` on 4 slots; prints busy work over slots x wall;
 * - `fleet`: 80 tasks of `sleep 0.5` on 1 worker of 2 slots, then on 4; prints
 *   the speedup and each worker's share.
 * The workers are `dist/cli/main.js run`, with default settings otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gatewayFloor } from './gatewayFloor.js';

interface PlannedTask {
  readonly task_id: string;
  readonly type: string;
  readonly inputs: Record<string, string>;
  readonly dependencies: string[];
}

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const headers = { connection: 'close', 'content-type': 'application/json' };

/** The planner hook: answers the gateway's plan request with the DAG the job's input carries. */
async function startPlanner(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request = JSON.parse(body || '{}') as { job_id?: string; input?: string };
      const dag = JSON.parse(request.input ?? '{}') as { tasks?: PlannedTask[] };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ dag_id: `${request.job_id ?? 'job'}-dag`, tasks: dag.tasks ?? [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/plan`, close: () => server.close() };
}

/** A fresh gateway process on `port` (it ignores SIGTERM: stopped with SIGKILL). */
async function startGateway(binary: string, port: number, plannerUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(binary, [], { env: { ...process.env, SPLAI_GATEWAY_PORT: String(port), SPLAI_LLM_PLANNER_ENDPOINT: plannerUrl }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`, { headers })).ok) break;
    } catch {
      if (i > 100) throw new Error(`the gateway did not start on ${url}`);
    }
    await sleep(50);
  }
  return { url, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))) };
}

async function submit(url: string, tasks: readonly PlannedTask[]): Promise<string> {
  const reply = await fetch(`${url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ type: 'custom', planner_mode: 'llm', input: JSON.stringify({ tasks }) }) });
  return ((await reply.json()) as { job_id: string }).job_id;
}

/** Until every task Completed (the job's own status can stay Running: the gateway's lost update); resolves with the tasks. */
async function completed(url: string, jobId: string, count: number): Promise<{ worker_id: string }[]> {
  for (;;) {
    const { tasks } = (await (await fetch(`${url}/v1/jobs/${jobId}/tasks?limit=100000`, { headers })).json()) as { tasks: { status: string; worker_id: string }[] };
    if (tasks.some((t) => t.status === 'Failed')) throw new Error(`a task of ${jobId} failed`);
    if (tasks.filter((t) => t.status === 'Completed').length === count) return tasks;
    await sleep(50);
  }
}

/** The real daemon for `url`; stopped with SIGTERM (it drains). */
function daemon(url: string, id: string, slots: number): { stop: () => Promise<void> } {
  const root = mkdtempSync(join(tmpdir(), `splai-real-${id}-`));
  const child: ChildProcess = spawn(process.execPath, [cli, 'run'], {
    env: { ...process.env, SPLAI_CONTROL_PLANE_URL: url, SPLAI_WORKER_ID: id, SPLAI_ARTIFACT_ROOT: root, SPLAI_HTTP_ADDR: 'off', SPLAI_LOG_LEVEL: 'warn', SPLAI_MAX_PARALLEL_TASKS: String(slots) },
    stdio: 'ignore',
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => (rmSync(root, { recursive: true, force: true }), resolve()));
        child.kill('SIGTERM');
      }),
  };
}

const trivial = (count: number): PlannedTask[] => Array.from({ length: count }, (_, i) => ({ task_id: `t${i}`, type: 'tool_execution', inputs: {}, dependencies: [] }));
const sleeps = (count: number, seconds: number): PlannedTask[] => Array.from({ length: count }, (_, i) => ({ task_id: `s${i}`, type: 'tool_execution', inputs: { command: `sleep ${seconds}` }, dependencies: [] }));

async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--gateway');
  const binary = at >= 0 ? args[at + 1] : undefined;
  const [part, roundsText] = args.filter((_, i) => i !== at && i !== at + 1);
  if (binary === undefined || !['throughput', 'slots', 'fleet'].includes(part ?? '')) {
    throw new Error('usage: node dist/bench/realGateway.js --gateway <api-gateway binary> throughput|slots|fleet [rounds]');
  }
  const rounds = Number(roundsText ?? 3);
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const planner = await startPlanner();
  /** One fresh gateway for `body`, and workers registered with it (a moment for their first heartbeat). */
  const onGateway = async <T>(workers: readonly { id: string; slots: number }[], body: (url: string) => Promise<T>): Promise<T> => {
    const gateway = await startGateway(binary, port, planner.url);
    const running = workers.map((w) => daemon(gateway.url, w.id, w.slots));
    try {
      if (running.length > 0) await sleep(1500);
      return await body(gateway.url);
    } finally {
      await Promise.all(running.map((w) => w.stop()));
      await gateway.stop();
    }
  };
  try {
    for (let round = 0; round < (part === 'slots' ? 1 : rounds); round++) {
      if (part === 'throughput') {
        const tasks = 2000;
        const floorSeconds = await onGateway([], async (url) => {
          await submit(url, trivial(tasks));
          return timed(() => gatewayFloor({ url, workerId: `floor-${round}`, lanes: 8, tasks }));
        });
        const workerSeconds = await onGateway([{ id: `worker-${round}`, slots: 8 }], async (url) => {
          const job = await submit(url, trivial(tasks));
          return timed(() => completed(url, job, tasks));
        });
        console.log(JSON.stringify({ round, gateway_floor_tps: +(tasks / floorSeconds).toFixed(1), worker_tps: +(tasks / workerSeconds).toFixed(1), worker_vs_gateway_floor: +(floorSeconds / workerSeconds).toFixed(3) }));
      } else if (part === 'slots') {
        const seconds = await onGateway([{ id: 'slots', slots: 4 }], async (url) => {
          const job = await submit(url, sleeps(12, 6));
          return timed(() => completed(url, job, 12));
        });
        // Timed from the submission, so a lower bound of the utilization over the busy window.
        console.log(JSON.stringify({ wall_s: +seconds.toFixed(2), ideal_s: 18, slot_utilization_at_least: +((12 * 6) / (4 * seconds)).toFixed(3) }));
      } else {
        const count = 80;
        const single = await onGateway([{ id: `solo-${round}`, slots: 2 }], async (url) => {
          const job = await submit(url, sleeps(count, 0.5));
          return timed(() => completed(url, job, count));
        });
        const ids = [0, 1, 2, 3].map((i) => `fleet-${round}-${i}`);
        let ranBy: string[] = [];
        const fleet = await onGateway(ids.map((id) => ({ id, slots: 2 })), async (url) => {
          const job = await submit(url, sleeps(count, 0.5));
          return timed(async () => (ranBy = (await completed(url, job, count)).map((t) => t.worker_id)));
        });
        console.log(JSON.stringify({ round, single_s: +single.toFixed(2), fleet_s: +fleet.toFixed(2), fleet_speedup: +(single / fleet).toFixed(2), shares: ids.map((id) => +(ranBy.filter((w) => w === id).length / count).toFixed(3)) }));
      }
    }
  } finally {
    planner.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
