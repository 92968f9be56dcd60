/**
 * Fault injection against the real daemon (`node --import tsx cli/main.ts run`):
 * for each fault, a job of 200+ tasks must end with every task Completed exactly
 * once in the control plane's view, no result lost, no daemon crash, no
 * assignment run twice by the worker. The fault matrix is printed at the end.
 *
 * Scenarios run a few at a time (they mostly wait on timers and I/O), each with
 * its own control plane on a random port, its own temp dirs and worker id.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../actors/outbox.js';
import { INTERRUPTED_ERROR, TaskJournal } from '../../actors/taskJournal.js';
import { processesWith, Scenario, sleep, type Daemon, type MatrixRow } from './harness.js';

const N = 200;
const rows: MatrixRow[] = [];
const order: string[] = [];

/** At most this many scenarios at once: two cores, and each daemon runs four task threads. */
const MAX_AT_ONCE = 4;
let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= MAX_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

async function scenario(name: string, body: (s: Scenario) => Promise<void>): Promise<void> {
  order.push(name);
  const release = await slot();
  const s = await Scenario.create(name);
  try {
    await body(s);
    const row = s.row();
    rows.push(row);
    expect(row.lost, 'tasks never Completed').toBe(0);
    expect(row.duplicateCompleted, 'tasks Completed more than once').toBe(0);
    expect(row.completedOnce).toBe(row.tasks);
    expect(row.crashes, 'daemon crashes').toBe(0);
    expect(row.ranTwice, 'assignments this worker ran twice').toBe(0);
    for (const daemon of s.daemons) expect(daemon.lines().some((l) => l['msg'] === 'supervisor crashed')).toBe(false);
    // The last run drained cleanly: nothing left in the outbox or the journal.
    expect((await Outbox.open(join(s.dir, 'state', 'outbox')).load()).reports).toEqual([]);
    expect(await TaskJournal.open(join(s.dir, 'state', 'journal')).load()).toEqual([]);
    // No artifact is half-written, kill -9 or not.
    for (const file of await artifactFiles(join(s.dir, 'artifacts'))) expect(() => JSON.parse(readFileSync(file, 'utf8')), file).not.toThrow();
  } finally {
    await s.cleanup();
    release();
  }
}

/** SIGTERM: the daemon must drain and exit 0. */
async function stop(daemon: Daemon): Promise<void> {
  daemon.kill('SIGTERM');
  expect(await daemon.exited).toBe(0);
}

afterAll(() => {
  const sorted = order.map((name) => rows.find((r) => r.scenario === name)).filter((r): r is MatrixRow => r !== undefined);
  console.log('\nFault matrix (real daemon, dev control plane; counts from the control plane and the worker logs):');
  console.table(
    sorted.map((r) => ({
      scenario: r.scenario,
      tasks: r.tasks,
      'completed once': r.completedOnce,
      lost: r.lost,
      'completed twice': r.duplicateCompleted,
      'extra leases': r.extraLeases,
      'dup reports': r.duplicateReports,
      stale: r.staleReports,
      'Failed reports': r.failedReports,
      faults: r.faultsInjected,
      registrations: r.registrations,
      starts: r.daemonStarts,
      crashes: r.crashes,
      'ran twice': r.ranTwice,
      health: r.health,
      'slowest sleep ms': r.slowestSandboxMs,
      s: r.seconds,
    })),
  );
  for (const r of sorted) if (r.note !== '') console.log(`- ${r.scenario}: ${r.note}`);
});

describe.concurrent('the real daemon under control-plane and worker faults', () => {
  it('control plane stopped for 10 s mid-run, restarted on the same port without its workers', async () => {
    await scenario('control plane down 10 s, restarted empty of workers', async (s) => {
      s.submit(N, { count: 2, seconds: 1 });
      const daemon = s.startDaemon();
      await s.waitUntil(() => s.completed() >= 60, 30_000, '60 completed tasks');
      await s.stopServer();
      await sleep(10_000);
      const restartedAt = Date.now();
      await s.restartServer();
      await s.waitForJob(40_000);
      const again = s.ledger.registeredAt.find((t) => t >= restartedAt);
      expect(again, 'registered again after the restart').toBeDefined();
      s.note = `re-registered ${((again! - restartedAt) / 1000).toFixed(1)} s after the restart`;
      await stop(daemon);
    });
  }, 170_000);

  it('kill -9 of the worker after tasks reported Running, then a restart with the same id and state dir', async () => {
    await scenario('kill -9 after Running, restart', async (s) => {
      s.submit(N, { count: 4, seconds: 3 });
      const first = s.startDaemon();
      await s.waitUntil(() => s.ledger.runningAccepted.has('slow-0') && s.ledger.runningAccepted.has('slow-1'), 30_000, 'slow tasks Running');
      first.kill('SIGKILL');
      await first.exited;
      const orphaned = ['slow-0', 'slow-1'].filter((id) => !s.ledger.completedAccepted.has(id));
      expect(orphaned.length).toBeGreaterThan(0);
      // The sandboxed sleeps died with the worker.
      await expectNoLeftovers(s.marker);
      // Like the gateway: a Running task is never re-queued by lease expiry (lease 2 s here).
      await sleep(3000);
      for (const id of orphaned) expect(s.cp.task(s.jobOf(id), id).status).toBe('Running');
      s.startDaemon();
      await s.waitForJob(50_000);
      const interrupted = s.ledger.failedAccepted.filter((f) => f.error === INTERRUPTED_ERROR).map((f) => f.task);
      for (const id of orphaned) expect(interrupted).toContain(id);
      s.note = `${orphaned.length} Running tasks reported Failed "${INTERRUPTED_ERROR}" on restart, then re-run`;
      await stop(s.daemons.at(-1)!);
    });
  }, 170_000);

  it('kill -9 of the worker mid-run, then a restart', async () => {
    await scenario('kill -9 mid-run, restart', async (s) => {
      s.submit(N, { count: 2, seconds: 2 });
      const first = s.startDaemon();
      await s.waitUntil(() => s.completed() >= 80, 30_000, '80 completed tasks');
      first.kill('SIGKILL');
      await first.exited;
      await expectNoLeftovers(s.marker);
      s.startDaemon();
      await s.waitForJob(50_000);
      await stop(s.daemons.at(-1)!);
    });
  }, 170_000);

  it('SIGTERM with long tasks in flight: they finish and are reported; past the grace, or on a second signal, they are aborted and reported Failed', async () => {
    await scenario('SIGTERM with long tasks in flight', async (s) => {
      // Each phase gets slow tasks of its own: within a job the gateway's order is its own.
      s.submit(N, { count: 2, seconds: 2 });
      // 1. A grace well above the 2 s tasks (sandbox start-up is slow on a loaded 2-core
      //    box): they finish during the drain and are reported before the exit.
      const first = s.startDaemon({ SPLAI_DRAIN_GRACE_SECONDS: '20' });
      await s.waitUntil(() => s.ledger.runningAccepted.has('slow-0') && s.ledger.runningAccepted.has('slow-1'), 30_000, 'first slow tasks Running');
      const inFlight = ['slow-0', 'slow-1'].filter((id) => !s.ledger.completedAccepted.has(id));
      await stop(first);
      for (const id of inFlight) expect(s.ledger.completedAccepted.get(id)).toBe(1);
      expect(s.ledger.healths.has('unhealthy')).toBe(true);
      // 2. Grace 0.5 s < the 2 s tasks: aborted, reported Failed "worker shutting down", exit 0.
      s.submit(0, { count: 2, seconds: 2 });
      const secondStarted = Date.now();
      const second = s.startDaemon({ SPLAI_DRAIN_GRACE_SECONDS: '0.5' });
      await s.waitUntil(() => s.ledger.runningLog.some((r) => r.at > secondStarted && r.task.startsWith('slow-')), 40_000, 'last slow tasks Running');
      await stop(second);
      const shutDown = s.ledger.failedAccepted.filter((f) => f.error === 'worker shutting down');
      expect(shutDown.length).toBeGreaterThan(0);
      // 3. A long grace, but a second SIGTERM: abort at once, report Failed, exit 0.
      s.submit(0, { count: 2, seconds: 2 });
      const thirdStarted = Date.now();
      const third = s.startDaemon({ SPLAI_DRAIN_GRACE_SECONDS: '120' });
      await s.waitUntil(() => s.ledger.runningLog.some((r) => r.at > thirdStarted && r.task.startsWith('slow-')), 40_000, 'slow tasks Running again');
      third.kill('SIGTERM');
      await sleep(200);
      third.kill('SIGTERM');
      expect(await third.exited).toBe(0);
      const secondSignal = s.ledger.failedAccepted.filter((f) => f.error === 'worker shutting down').length - shutDown.length;
      expect(secondSignal).toBeGreaterThan(0);
      // 4. A new run picks the aborted tasks up again.
      s.startDaemon();
      await s.waitForJob(40_000);
      s.note = `${inFlight.length} finished within the grace; ${shutDown.length} aborted at a 0.5 s grace; ${secondSignal} aborted by a second SIGTERM; all re-run`;
      await stop(s.daemons.at(-1)!);
    });
  }, 170_000);

  it('30% 5xx on every endpoint', async () => {
    await scenario('30% 5xx on every endpoint', async (s) => {
      s.cp.faults.set('*', { errorRate: 0.3 });
      s.submit(N, { count: 2, seconds: 1 });
      s.startDaemon();
      await s.waitForJob(60_000);
      // ~120 failed report deliveries: the heartbeats said so.
      expect(s.ledger.healths.has('degraded')).toBe(true);
      await stop(s.daemons[0]!);
    });
  }, 170_000);

  it('garbage JSON on polls (some replies lost after the lease was granted), heartbeats and registration', async () => {
    await scenario('garbage JSON: 15% polls (lease granted, reply lost), 20% heartbeats/register', async (s) => {
      // The gateway extends every lease a worker holds on each heartbeat, so tasks of a
      // lost poll reply stay leased to this (alive) worker until their deadline:
      // timeout_sec is what releases them (see docs/reliability.md).
      s.cp.faults.set('assignments', { garbageRate: 0.15, phase: 'after' });
      s.cp.faults.set(['heartbeat', 'register'], { garbageRate: 0.2 });
      s.submit(N, { count: 2, seconds: 1 }, { timeout_sec: 3 });
      s.startDaemon();
      await s.waitForJob(60_000);
      s.note = `${s.row().extraLeases} stranded leases released at the 3 s task deadline`;
      await stop(s.daemons[0]!);
    });
  }, 170_000);

  it('2 s stalls on reports (longer than the 1 s request timeout)', async () => {
    await scenario('2 s stalls on 5% of reports (timeout 1 s)', async (s) => {
      s.cp.faults.set('report', { stallMs: 2000, stallRate: 0.05 });
      s.submit(N, { count: 2, seconds: 1 });
      s.startDaemon();
      await s.waitForJob(60_000);
      await stop(s.daemons[0]!);
    });
  }, 170_000);

  it('control plane down at start, then connection resets on every endpoint', async () => {
    await scenario('down at start (until 2 s after the first failed registration), then 10% resets', async (s) => {
      await s.stopServer();
      const daemon = s.startDaemon();
      // The daemon's own start-up takes seconds on a loaded box: count from its first failure.
      await s.waitUntil(() => daemon.lines().some((l) => l['actor'] === 'registration'), 30_000, 'a failed registration');
      await sleep(2000);
      expect(daemon.running, 'the daemon keeps trying instead of exiting').toBe(true);
      s.cp.faults.set('*', { resetRate: 0.1 });
      await s.restartServer();
      s.submit(N, { count: 2, seconds: 1 });
      await s.waitForJob(60_000);
      // One log line per registration attempt, attempts counting up: no crash loop, no log flood.
      const attempts = daemon.lines().filter((l) => l['actor'] === 'registration').map((l) => Number(l['attempt']));
      expect(attempts.length).toBeGreaterThan(0);
      expect(attempts).toEqual(attempts.map((_, i) => i + 1));
      s.note = `${attempts.length} registration attempts (one log line each) while down`;
      await stop(daemon);
    });
  }, 170_000);
});

/** No process from the killed run is left (sandboxed commands die with the worker). */
async function expectNoLeftovers(marker: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let left = await processesWith(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = await processesWith(marker);
  }
  expect(left, 'sandboxed processes left by the killed worker').toEqual([]);
}

/** Every output.json under the artifact root. */
async function artifactFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith('output.json')).map((name) => join(root, name));
}
