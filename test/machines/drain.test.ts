/**
 * Drain semantics of the supervisor, with fake effects and real (short) timers:
 * what happens between the first signal and the stop, at the grace deadline, at
 * the force deadline, and on a second signal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, waitFor, type Actor } from 'xstate';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type ExecutionResult, type HeartbeatLoad, type WorkerEffects } from '../../machines/effects.js';
import type { Assignment, ReportRequest } from '../../protocol/schemas.js';

const baseInput = { workerId: 'w1', maxParallelTasks: 2, heartbeatMillis: 20, pollMillis: 10, drainGraceMillis: 200, drainForceMillis: 200 };
const actors: Actor<ReturnType<typeof createSupervisorLogic>>[] = [];
afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
});

const assignment = (task: string): Assignment => ({ job_id: 'j1', task_id: task, type: 'aggregation', inputs: {}, attempt: 1, lease_id: `w1:${task}:1:1` });
const ok = (a: Assignment): ExecutionResult => ({ ok: true, uri: `artifact://${a.job_id}/${a.task_id}/output.json`, durationMillis: 1, executorMillis: 1 });
const never = <T>() => new Promise<T>(() => undefined);

/** A worker with two tasks to run and a recorder of everything it does. */
function harness(overrides: Partial<WorkerEffects>, input: Partial<typeof baseInput> = {}) {
  const pending: unknown[] = [assignment('t1'), assignment('t2')];
  const reports: ReportRequest[] = [];
  const beats: HeartbeatLoad[] = [];
  const polls: number[] = [];
  const started: string[] = [];
  let drainingAnnounced = 0;
  const effects: WorkerEffects = {
    ...inertEffects,
    register: async () => ({ accepted: true, heartbeat_interval_seconds: 0.02 }),
    poll: async (max) => {
      polls.push(Date.now());
      return pending.splice(0, max);
    },
    heartbeat: async (load) => void beats.push(load),
    report: async (r) => (reports.push(r), 'delivered'),
    announceDraining: () => void drainingAnnounced++,
    ...overrides,
  };
  const wrappedExecute = effects.execute;
  effects.execute = (a, signal) => {
    started.push(a.task_id);
    return wrappedExecute(a, signal);
  };
  const actor = createActor(createSupervisorLogic(effects), { input: { ...baseInput, ...input } });
  actors.push(actor);
  actor.start();
  const finals = () => reports.filter((r) => r.status !== 'Running');
  return { actor, reports, finals, beats, polls, started, drainingAnnounced: () => drainingAnnounced };
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('drain', () => {
  it('stops polling at once, keeps heartbeating "unhealthy", lets tasks finish, reports them and stops', async () => {
    const releases: (() => void)[] = [];
    const h = harness({
      execute: (a) => new Promise((resolve) => releases.push(() => resolve(ok(a)))),
    }, { drainGraceMillis: 10_000, drainForceMillis: 10_000 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    expect(h.actor.getSnapshot().matches({ draining: 'waitingForTasks' })).toBe(true);
    const pollsAtShutdown = h.polls.length;
    const beatsAtShutdown = h.beats.length;
    // Leases of in-flight tasks stay alive: the heartbeat goes on, saying "unhealthy"
    // (the only health the gateway's scheduler leaves out).
    await until(() => h.beats.length >= beatsAtShutdown + 3);
    expect(h.beats.at(-1)).toMatchObject({ health: 'unhealthy', runningTasks: 2 });
    expect(h.drainingAnnounced()).toBe(1);
    for (const release of releases) release();
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output).toEqual({ status: 'stopped', error: '' });
    expect(h.polls.length).toBe(pollsAtShutdown);
    expect(h.finals().map((r) => `${r.task_id}:${r.status}`).sort()).toEqual(['t1:Completed', 't2:Completed']);
  });

  it('at the grace deadline aborts what is left and reports it Failed "worker shutting down"', async () => {
    const aborted: string[] = [];
    const h = harness({
      execute: (a, signal) =>
        a.task_id === 't1'
          ? Promise.resolve(ok(a))
          : new Promise((_, reject) => signal.addEventListener('abort', () => (aborted.push(a.task_id), reject(new Error('aborted'))))),
    });
    await until(() => h.started.length === 2 && h.finals().length === 1);
    h.actor.send({ type: 'shutdown' });
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(aborted).toEqual(['t2']);
    const finals = h.finals().map((r) => `${r.task_id}:${r.status}:${r.error}`);
    expect(finals.sort()).toEqual(['t1:Completed:', 't2:Failed:worker shutting down']);
  });

  it('the force deadline stops the worker when a task ignores abort and its report never settles', async () => {
    const h = harness({
      // Ignores the abort signal entirely, like a stuck thread.
      execute: () => never<ExecutionResult>(),
      // The control plane never answers the final report.
      report: async (r) => (r.status === 'Running' ? 'delivered' : never()),
      flushReports: () => never<number>(),
    });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    // Without the force deadline this would wait forever (grace 200 ms + force 200 ms).
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output?.status).toBe('stopped');
  });

  it('a task that ignores abort does not hold the drain: its Failed report goes out at the grace deadline', async () => {
    const h = harness({ execute: () => never<ExecutionResult>(), flushReports: async () => 0 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output?.status).toBe('stopped');
    expect(h.finals().map((r) => `${r.task_id}:${r.error}`).sort()).toEqual(['t1:worker shutting down', 't2:worker shutting down']);
  });

  it('a second signal skips the grace period and aborts at once', async () => {
    const h = harness({ execute: (_a, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) }, { drainGraceMillis: 60_000, drainForceMillis: 60_000 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    expect(h.actor.getSnapshot().matches({ draining: 'waitingForTasks' })).toBe(true);
    h.actor.send({ type: 'shutdown' });
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output?.status).toBe('stopped');
    expect(h.finals().every((r) => r.status === 'Failed' && r.error === 'worker shutting down')).toBe(true);
    expect(h.finals()).toHaveLength(2);
  });

  it('after a second signal the force limit runs from the abort, not from the first signal', async () => {
    const h = harness({ execute: () => never<ExecutionResult>(), report: async (r) => (r.status === 'Running' ? 'delivered' : never()) }, { drainGraceMillis: 60_000, drainForceMillis: 100 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    h.actor.send({ type: 'shutdown' });
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output?.status).toBe('stopped');
  });

  it('a heartbeat crash while draining restarts the heartbeat but never the poller', async () => {
    let crashes = 0;
    const releases: (() => void)[] = [];
    const h = harness({
      execute: (a) => new Promise((resolve) => releases.push(() => resolve(ok(a)))),
    }, { drainGraceMillis: 10_000, drainForceMillis: 10_000 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'shutdown' });
    const pollsAtShutdown = h.polls.length;
    // Make the heartbeat child fail as an actor (not a failed beat): the supervisor restarts the loops.
    const heartbeat = h.actor.getSnapshot().children['heartbeat'];
    expect(heartbeat).toBeDefined();
    h.actor.send({ type: 'xstate.error.actor.heartbeat', error: new Error('boom'), actorId: 'heartbeat' } as never);
    crashes++;
    await until(() => h.beats.length >= 3);
    expect(h.actor.getSnapshot().children['poller']).toBeUndefined();
    for (const release of releases) release();
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(h.polls.length).toBe(pollsAtShutdown);
    expect(crashes).toBe(1);
    expect(h.beats.at(-1)?.health).toBe('unhealthy');
  });

  it('ignores health events while draining: the heartbeat keeps saying "unhealthy"', async () => {
    const releases: (() => void)[] = [];
    const h = harness({ execute: (a) => new Promise((resolve) => releases.push(() => resolve(ok(a)))) }, { drainGraceMillis: 10_000 });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'health', health: 'degraded', reason: 'outbox backlog' });
    await until(() => h.beats.some((b) => b.health === 'degraded'));
    h.actor.send({ type: 'shutdown' });
    h.actor.send({ type: 'health', health: 'healthy' });
    const count = h.beats.length;
    await until(() => h.beats.length >= count + 3);
    expect(h.beats.slice(count + 1).every((b) => b.health === 'unhealthy')).toBe(true);
    for (const release of releases) release();
    await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
  });

  it('announces "unhealthy" at once when the drain starts, and sends it as the last heartbeat before stopping', async () => {
    const releases: (() => void)[] = [];
    // A long interval: any beat within the test comes from the drain, not from the clock.
    const h = harness(
      { register: async () => ({ accepted: true, heartbeat_interval_seconds: 60 }), execute: (a) => new Promise((resolve) => releases.push(() => resolve(ok(a)))) },
      { drainGraceMillis: 10_000, drainForceMillis: 10_000 },
    );
    await until(() => h.started.length === 2);
    const beatsBefore = h.beats.length;
    h.actor.send({ type: 'shutdown' });
    await until(() => h.beats.length > beatsBefore, 500);
    expect(h.beats[beatsBefore]).toMatchObject({ health: 'unhealthy', runningTasks: 2 });
    for (const release of releases) release();
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.value).toBe('stopped');
    // The farewell: the gateway never ages a worker out, so it must hear that this one stopped.
    expect(h.beats.at(-1)).toEqual({ health: 'unhealthy', runningTasks: 0, queueDepth: 0 });
  });

  it('sends the farewell heartbeat also when the worker fails, and stops without it when it hangs', async () => {
    let calls = 0;
    const h = harness({
      heartbeat: (load) => (calls++, load.health === 'unhealthy' ? never() : Promise.resolve()),
      report: async () => 'delivered',
    });
    await until(() => h.started.length === 2);
    h.actor.send({ type: 'controlPlane.authFailed', error: 'report: HTTP 401: invalid token' });
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 5000 });
    expect(done.value).toBe('failed');
    expect(calls).toBeGreaterThan(1);
  });

  it('a shutdown while registering stops without ever polling', async () => {
    const h = harness({ register: () => never() });
    h.actor.send({ type: 'shutdown' });
    const done = await waitFor(h.actor, (s) => s.status === 'done', { timeout: 3000 });
    expect(done.output?.status).toBe('stopped');
    expect(h.polls).toEqual([]);
  });
});
