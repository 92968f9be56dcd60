/**
 * The fault-injection harness: a development control plane on a random port in
 * the test process, the real `splai-worker run` daemon as a child process, and
 * a ledger of what the control plane saw, so a scenario can assert "every task
 * Completed exactly once, nothing lost, no crash" and the suite can print the
 * fault matrix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane} from '../../control-plane/ControlPlane.js';
import { type ControlPlaneOptions } from '../../control-plane/ControlPlane.js';
import { startControlPlaneServer, type RunningControlPlane } from '../../control-plane/httpServer.js';
import type { TaskSubmission } from '../../control-plane/wire.js';
import { detectSandboxLevel } from '../../sandbox/detectSandboxLevel.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Control-plane timings that make leases, heartbeats and retries happen in seconds. */
export const FAST_CONTROL_PLANE: ControlPlaneOptions = { leaseMs: 2000, heartbeatIntervalSeconds: 0.5, retryBackoffBaseMs: 50, retryBackoffMaxMs: 500, defaultMaxRetries: 20 };

/** Sandbox setting for slow tool_execution tasks: the real one where this host has it. */
export const SANDBOX = detectSandboxLevel('auto').refusal === undefined ? 'auto' : 'none';

/** What a fault scenario measured: one row of the fault matrix. */
export interface MatrixRow {
  scenario: string;
  tasks: number;
  completedOnce: number;
  lost: number;
  duplicateCompleted: number;
  /** Leases handed out beyond one per task (lost replies, expired leases, retries after a crash or drain). */
  extraLeases: number;
  /** Reports the control plane answered as idempotent duplicates (retries whose first try got through). */
  duplicateReports: number;
  staleReports: number;
  failedReports: number;
  faultsInjected: number;
  registrations: number;
  daemonStarts: number;
  crashes: number;
  /** (task, attempt) pairs this worker executed more than once (its own logs): must be 0. */
  ranTwice: number;
  /** Health values seen in heartbeats. */
  health: string;
  /** Longest run of a sandboxed sleep task, from the worker's logs (ms). */
  slowestSandboxMs: number;
  seconds: number;
  note: string;
}

/** Every control-plane event a scenario needs to count. */
export class Ledger {
  readonly completedAccepted = new Map<string, number>();
  readonly assigned = new Map<string, number>();
  readonly runningAccepted = new Set<string>();
  /** Accepted Running reports in order, with the time they were accepted. */
  readonly runningLog: { task: string; at: number }[] = [];
  readonly failedAccepted: { task: string; error: string }[] = [];
  duplicateReports = 0;
  staleReports = 0;
  registrations = 0;
  readonly registeredAt: number[] = [];
  /** Every health value the worker's heartbeats announced. */
  readonly healths = new Set<string>();

  constructor(cp: ControlPlane) {
    cp.subscribe((event) => {
      if (event.type === 'worker.heartbeat') {
        const health = cp.worker(event.workerId)?.health;
        if (health !== undefined) this.healths.add(health);
      } else if (event.type === 'worker.registered') {
        this.registrations++;
        this.registeredAt.push(Date.now());
      }
      else if (event.type === 'task.assigned') bump(this.assigned, event.assignment.task_id);
      else if (event.type === 'report') {
        const task = event.report.task_id ?? '';
        if (event.outcome === 'duplicate') this.duplicateReports++;
        else if (event.outcome === 'stale') this.staleReports++;
        else if (event.outcome === 'accepted') {
          const status = event.report.status || 'Completed';
          if (status === 'Completed') bump(this.completedAccepted, task);
          else if (status === 'Running') {
            this.runningAccepted.add(task);
            this.runningLog.push({ task, at: Date.now() });
          }
          else this.failedAccepted.push({ task, error: event.report.error ?? '' });
        }
      }
    });
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** One scenario's world: control plane, ledger, temp dirs, daemons. */
export class Scenario {
  readonly cp: ControlPlane;
  readonly ledger: Ledger;
  server: RunningControlPlane;
  readonly daemons: Daemon[] = [];
  readonly started = Date.now();
  /** Every job submitted, oldest first; task ids are unique across them. */
  readonly jobIds: string[] = [];
  taskIds: string[] = [];
  #cheapSubmitted = 0;
  #slowSubmitted = 0;
  note = '';

  private constructor(server: RunningControlPlane, readonly dir: string, readonly name: string) {
    this.server = server;
    this.cp = server.controlPlane;
    this.ledger = new Ledger(this.cp);
  }

  static async create(name: string, options: ControlPlaneOptions = {}): Promise<Scenario> {
    const dir = await mkdtemp(join(tmpdir(), 'splai-faults-'));
    // A fixed port below the kernel's ephemeral range: while this control plane is
    // "down", no other test's port-0 server can take its port and talk to its worker.
    for (let tries = 0; ; tries++) {
      const port = 20_000 + Math.floor(Math.random() * 10_000);
      try {
        const server = await startControlPlaneServer({ port, sweepIntervalMs: 100, ...FAST_CONTROL_PLANE, ...options });
        return new Scenario(server, dir, name);
      } catch (error) {
        if (tries >= 20 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
      }
    }
  }

  /**
   * Submit one job: `cheap` aggregation tasks with inline items, plus `slow`
   * sandboxed sleeps. Ids continue across jobs (agg-0.., slow-0..). Within a job
   * the gateway hands tasks out in an order of its own (priority, age, a hash),
   * so a scenario that needs tasks for a later phase submits them then.
   */
  submit(cheap: number, slow: { count: number; seconds: number } = { count: 0, seconds: 0 }, extra: Partial<TaskSubmission> = {}): string {
    const tasks: TaskSubmission[] = [];
    for (let i = 0; i < cheap; i++) {
      const n = this.#cheapSubmitted++;
      tasks.push({ task_id: `agg-${n}`, type: 'aggregation', inputs: { items_json: JSON.stringify([{ n, name: `item ${n}` }, { tag: this.name }]) }, max_retries: 20, ...extra });
    }
    for (let i = 0; i < slow.count; i++) {
      // A marker makes this scenario's sandboxed processes findable in /proc.
      tasks.push({ task_id: `slow-${this.#slowSubmitted++}`, type: 'tool_execution', inputs: { command: `sleep ${slow.seconds}; echo ${this.marker}` }, max_retries: 20, ...extra });
    }
    const { job_id } = this.cp.submitJob({ tasks });
    this.jobIds.push(job_id);
    this.taskIds.push(...tasks.map((t) => t.task_id));
    return job_id;
  }

  /** The job of a task id (ids are unique across this scenario's jobs). */
  jobOf(taskId: string): string {
    return this.jobIds.find((id) => this.cp.tasks(id).some((t) => t.task_id === taskId)) ?? '';
  }

  get marker(): string {
    return `splai-fault-${this.name.replace(/\W+/g, '-')}-${process.pid}`;
  }

  /** Start the real daemon with this scenario's settings (same worker id and state dir every time). */
  startDaemon(env: Record<string, string> = {}): Daemon {
    const daemon = new Daemon({
      SPLAI_CONTROL_PLANE_URL: this.server.url,
      SPLAI_WORKER_ID: `fault-worker-${this.name.replace(/\W+/g, '-')}`,
      SPLAI_ARTIFACT_ROOT: join(this.dir, 'artifacts'),
      SPLAI_STATE_DIR: join(this.dir, 'state'),
      SPLAI_MAX_PARALLEL_TASKS: '4',
      SPLAI_POLL_MILLIS: '50',
      SPLAI_HEARTBEAT_SECONDS: '0.5',
      SPLAI_REQUEST_TIMEOUT_MILLIS: '1000',
      SPLAI_DRAIN_GRACE_SECONDS: '5',
      SPLAI_DRAIN_FORCE_SECONDS: '3',
      // Just over the control plane's 2 s lease: a restarted daemon stays silent that long.
      SPLAI_LEASE_SECONDS: '2.5',
      SPLAI_SANDBOX: SANDBOX,
      SPLAI_SANDBOX_TIMEOUT_SECONDS: '30',
      SPLAI_LOG_FORMAT: 'json',
      SPLAI_LOG_LEVEL: 'info',
      SPLAI_HTTP_ADDR: 'off',
      ...env,
    });
    this.daemons.push(daemon);
    return daemon;
  }

  /** Completed accepted reports so far. */
  completed(): number {
    return [...this.ledger.completedAccepted.values()].filter((n) => n > 0).length;
  }

  async waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out waiting for ${what}; completed ${this.completed()}/${this.taskIds.length}\n${this.daemons.at(-1)?.tail() ?? ''}`);
      await sleep(20);
    }
  }

  /** Wait for every job to end; each must end Completed. */
  async waitForJob(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const jobId of this.jobIds) {
      const job = await this.cp.waitForJob(jobId, { timeoutMs: Math.max(1, deadline - Date.now()) }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${this.daemons.at(-1)?.tail() ?? ''}`);
      });
      if (job.status !== 'Completed') throw new Error(`${this.name}: job ${jobId} ended ${job.status}: ${job.error ?? ''}`);
    }
  }

  /** Stop the control plane's HTTP face (the port refuses connections), keeping its state. */
  async stopServer(): Promise<void> {
    await this.server.close();
  }

  /** Serve the same control plane on the same port again, having forgotten every worker. */
  async restartServer(): Promise<void> {
    this.cp.restart({ keepJobs: true });
    this.server = await startControlPlaneServer({ controlPlane: this.cp, port: this.server.port, sweepIntervalMs: 100 });
  }

  /** The measured row; call after the job ended. */
  row(): MatrixRow {
    const counts = this.taskIds.map((id) => this.ledger.completedAccepted.get(id) ?? 0);
    const leases = [...this.ledger.assigned.values()].reduce((a, b) => a + b, 0);
    const injected = this.cp.faults.injected;
    return {
      scenario: this.name,
      tasks: this.taskIds.length,
      completedOnce: counts.filter((n) => n === 1).length,
      lost: counts.filter((n) => n === 0).length,
      duplicateCompleted: counts.filter((n) => n > 1).length,
      extraLeases: leases - this.taskIds.length,
      duplicateReports: this.ledger.duplicateReports,
      staleReports: this.ledger.staleReports,
      failedReports: this.ledger.failedAccepted.length,
      faultsInjected: injected.error + injected.garbage + injected.reset + injected.stall,
      registrations: this.ledger.registrations,
      daemonStarts: this.daemons.length,
      crashes: this.daemons.filter((d) => d.crashed).length,
      ranTwice: this.ranTwice(),
      health: [...this.ledger.healths].sort().join(' '),
      slowestSandboxMs: Math.max(0, ...this.daemons.flatMap((d) => d.lines().filter((l) => l['msg'] === 'completed' && String(l['task_id']).startsWith('slow-')).map((l) => Number(l['duration_ms'])))),
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      note: this.note,
    };
  }

  /** (task, attempt) pairs that more than one execution ended for, across every daemon run. */
  ranTwice(): number {
    const ends = new Map<string, number>();
    for (const daemon of this.daemons) {
      for (const line of daemon.lines()) {
        if (line['actor'] !== 'task' || typeof line['msg'] !== 'string') continue;
        if (line['msg'] !== 'completed' && !line['msg'].startsWith('failed:')) continue;
        bump(ends, `${String(line['task_id'])}#${String(line['attempt'])}`);
      }
    }
    return [...ends.values()].filter((n) => n > 1).length;
  }

  async cleanup(): Promise<void> {
    for (const daemon of this.daemons) daemon.kill('SIGKILL');
    await Promise.all(this.daemons.map((d) => d.exited));
    await this.server.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The real CLI daemon as a child process. */
export class Daemon {
  readonly child: ChildProcess;
  private log = '';
  /** Exit code, or the signal name. */
  readonly exited: Promise<number | string>;
  private killedOnPurpose = false;
  private exitValue: number | string | undefined;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'cli/main.ts'), 'run'], {
      cwd: repo,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.log += chunk.toString();
      if (this.log.length > 4_000_000) this.log = this.log.slice(-2_000_000);
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitValue = code ?? signal ?? -1;
        resolve(this.exitValue);
      }),
    );
  }

  /** Exited without being told to (kill -9 by the test) and not with 0 after a signal: a crash. */
  get crashed(): boolean {
    return this.exitValue !== undefined && !this.killedOnPurpose && this.exitValue !== 0;
  }

  get running(): boolean {
    return this.exitValue === undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') this.killedOnPurpose = true;
    if (this.running) this.child.kill(signal);
  }

  /** JSON log lines so far. */
  lines(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.log.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut by a kill -9
      }
    }
    return out;
  }

  tail(): string {
    return this.log.slice(-3000);
  }
}

/** Processes (other than ours) whose command line contains `marker`: sandboxed leftovers. */
export async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(entry));
  }
  return found;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
