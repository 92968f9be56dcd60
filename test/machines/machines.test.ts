/**
 * The machines with fake effects: the same logic the daemon runs, driven by
 * plain functions, so each behaviour of the issue is asserted directly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor, type Actor } from 'xstate';
import { ControlPlaneError } from '../../base/ControlPlaneError.js';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type ExecutionResult, type LogEntry, type WorkerEffects } from '../../machines/effects.js';
import type { SupervisorInput } from '../../machines/supervisor.js';
import type { Assignment, ReportRequest } from '../../protocol/schemas.js';

const input = { workerId: 'w1', maxParallelTasks: 2, heartbeatMillis: 5000, pollMillis: 1000, drainGraceMillis: 10_000, drainForceMillis: 1000 };
const actors: Actor<ReturnType<typeof createSupervisorLogic>>[] = [];
afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
});

function start(effects: Partial<WorkerEffects>, options: { clock?: SimulatedClock; input?: Partial<SupervisorInput>; registrationRetry?: (n: number) => number } = {}) {
  const logic = createSupervisorLogic({ ...inertEffects, ...effects }, options.registrationRetry === undefined ? {} : { registrationRetry: options.registrationRetry });
  const actor = createActor(logic, { input: { ...input, ...options.input }, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const states: string[] = [];
  actor.subscribe((s) => {
    const v = typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]!;
    if (states.at(-1) !== v) states.push(v);
  });
  actor.start();
  actors.push(actor);
  return { actor, states };
}

const assignment = (task: string, extra: Partial<Assignment> = {}): Assignment => ({ job_id: 'j1', task_id: task, type: 'aggregation', inputs: {}, attempt: 1, lease_id: `w1:${task}:1:1`, ...extra });
const ok = (a: Assignment): ExecutionResult => ({ ok: true, uri: `artifact://${a.job_id}/${a.task_id}/output.json`, durationMillis: 5, executorMillis: 4 });
const flush = () => new Promise((r) => setTimeout(r, 0));

/** Wait for a condition on plain test state (waitFor only re-checks on snapshot changes). */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A queue of assignments the fake control plane hands out, honouring max_tasks; `null` when empty, as the gateway answers. */
function queue(items: unknown[]) {
  const asked: number[] = [];
  return {
    asked,
    add: (...more: unknown[]) => items.push(...more),
    poll: async (max: number) => {
      asked.push(max);
      return items.length === 0 ? null : items.splice(0, max);
    },
  };
}

describe('registration', () => {
  it('survives 503s and connection refusals, then succeeds', async () => {
    const failures = [
      new ControlPlaneError('transient', 'register', 'HTTP 503: unavailable', 503),
      new ControlPlaneError('transient', 'register', 'ECONNREFUSED'),
      new ControlPlaneError('transient', 'register', 'HTTP 503: unavailable', 503),
      new ControlPlaneError('transient', 'register', 'ECONNREFUSED'),
    ];
    const waits: number[] = [];
    const logs: LogEntry[] = [];
    const { actor, states } = start(
      {
        register: async () => {
          const failure = failures.shift();
          if (failure) throw failure;
          return { accepted: true, heartbeat_interval_seconds: 5 };
        },
        log: (e) => logs.push(e),
      },
      { registrationRetry: (attempt) => (waits.push(attempt), 1) },
    );
    await waitFor(actor, (s) => s.matches('idle'), { timeout: 2000 });
    expect(waits).toEqual([1, 2, 3, 4]);
    expect(states.slice(0, 2)).toEqual(['registering', 'idle']);
    expect(logs.filter((l) => l.actor === 'registration' && l.level === 'warn').map((l) => l.message)).toEqual([
      'registration failed; retrying: register: HTTP 503: unavailable',
      'registration failed; retrying: register: ECONNREFUSED',
      'registration failed; retrying: register: HTTP 503: unavailable',
      'registration failed; retrying: register: ECONNREFUSED',
    ]);
  });

  it('goes to failed with a clear message on 401', async () => {
    const { actor } = start({ register: async () => { throw new ControlPlaneError('auth', 'register', 'HTTP 401: invalid token', 401); } });
    const snapshot = await waitFor(actor, (s) => s.status === 'done', { timeout: 2000 });
    expect(snapshot.value).toBe('failed');
    expect(snapshot.output).toEqual({ status: 'failed', error: 'register: HTTP 401: invalid token' });
  });
});

describe('heartbeat', () => {
  it('beats at the interval the register reply gives, not the configured one', async () => {
    const clock = new SimulatedClock();
    const beats: number[] = [];
    start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 2 }),
        heartbeat: async () => void beats.push(clock.now()),
      },
      { clock, input: { heartbeatMillis: 5000 } },
    );
    for (let t = 0; t < 7000; t += 500) {
      await flush();
      clock.increment(500);
    }
    await flush();
    expect(beats).toEqual([0, 2000, 4000, 6000]);
  });

  it('falls back to SPLAI_HEARTBEAT_SECONDS when the reply has no interval', async () => {
    const clock = new SimulatedClock();
    const beats: number[] = [];
    start({ register: async () => ({ accepted: true }), heartbeat: async () => void beats.push(clock.now()) }, { clock, input: { heartbeatMillis: 3000 } });
    for (let t = 0; t < 7000; t += 500) {
      await flush();
      clock.increment(500);
    }
    expect(beats).toEqual([0, 3000, 6000]);
  });

  it('carries the running task count', async () => {
    const loads: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = queue([assignment('t1')]);
    const { actor } = start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 0.02 }),
        heartbeat: async (load) => void loads.push(load.runningTasks),
        poll: work.poll,
        execute: async (a) => (await gate, ok(a)),
      },
      { input: { heartbeatMillis: 20, pollMillis: 5 } },
    );
    await waitFor(actor, (s) => s.matches('busy'));
    await new Promise((r) => setTimeout(r, 60));
    release();
    await waitFor(actor, (s) => s.matches('idle'));
    await new Promise((r) => setTimeout(r, 60));
    expect(loads).toContain(1);
    expect(loads.at(-1)).toBe(0);
  });

  it('re-registers on 404 and keeps working', async () => {
    let registrations = 0;
    let forgotten = false;
    const work = queue([]);
    const reports: string[] = [];
    const { actor, states } = start(
      {
        register: async () => (registrations++, (forgotten = false), { accepted: true, heartbeat_interval_seconds: 0.02 }),
        heartbeat: async () => {
          if (forgotten) throw new ControlPlaneError('not-registered', 'heartbeat', 'HTTP 404: worker not registered', 404);
        },
        poll: async (max) => (forgotten ? Promise.reject(new ControlPlaneError('not-registered', 'poll', 'HTTP 404', 404)) : work.poll(max)),
        execute: async (a) => ok(a),
        report: async (r) => (reports.push(`${r.task_id}:${r.status}`), 'delivered'),
      },
      { input: { pollMillis: 10 } },
    );
    await waitFor(actor, (s) => s.matches('idle'));
    forgotten = true;
    await waitFor(actor, () => registrations === 2, { timeout: 2000 });
    await waitFor(actor, (s) => s.matches('idle'));
    // Work queued after re-registration is still picked up and reported.
    work.add(assignment('after'));
    await until(() => reports.length === 2);
    expect(states).toEqual(expect.arrayContaining(['registering', 'idle']));
    expect(states.filter((s) => s === 'registering').length).toBeGreaterThanOrEqual(2);
    expect(reports).toEqual(['after:Running', 'after:Completed']);
  });

  it('tells the gateway about a load change within 50 ms instead of at the next interval', async () => {
    const clock = new SimulatedClock();
    const beats: { at: number; running: number }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 60 }),
        heartbeat: async (load) => void beats.push({ at: clock.now(), running: load.runningTasks }),
        poll: queue([assignment('t1')]).poll,
        execute: async (a) => (await gate, ok(a)),
      },
      { clock, input: { maxParallelTasks: 2 } },
    );
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 10) {
        for (let i = 0; i < 4; i++) await flush();
        clock.increment(10);
      }
    };
    await advance(100);
    // The first beat at once (0 running), the change to 1 running after the spacing.
    expect(beats).toEqual([{ at: 0, running: 0 }, { at: 50, running: 1 }]);
    release();
    await advance(200);
    expect(beats.at(-1)).toMatchObject({ running: 0 });
    expect(beats.at(-1)!.at).toBeLessThan(250);
    expect(beats).toHaveLength(3);
  });

  it('after a failed beat, waits for the interval rather than beating again on every load change', async () => {
    const clock = new SimulatedClock();
    const attempts: number[] = [];
    const work = queue([assignment('t1'), assignment('t2'), assignment('t3')]);
    start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 1 }),
        heartbeat: async () => {
          attempts.push(clock.now());
          if (attempts.length > 1) throw new ControlPlaneError('transient', 'heartbeat', 'ECONNREFUSED');
        },
        poll: work.poll,
        execute: async (a) => ok(a),
      },
      { clock, input: { maxParallelTasks: 1, pollMillis: 5 } },
    );
    for (let t = 0; t < 2500; t += 10) {
      for (let i = 0; i < 4; i++) await flush();
      clock.increment(10);
    }
    // 0: the first beat; ~50: the load change (fails); then only the interval: ~1050, ~2050.
    expect(attempts.length).toBe(4);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('when the gateway last heard "full", a freed slot is heartbeated at once and the poll waits for it', async () => {
    const events: string[] = [];
    const releases = new Map<string, () => void>();
    const work = queue([assignment('t1'), assignment('t2'), assignment('t3')]);
    const { actor } = start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 60 }),
        heartbeat: async (load) => void events.push(`beat ${load.runningTasks}`),
        poll: async (max) => (events.push(`poll ${max}`), work.poll(max)),
        execute: (a) => new Promise((resolve) => releases.set(a.task_id, () => resolve(ok(a)))),
      },
      // Capacity equal to the slots (as with SPLAI_WORKER_CPU=8 and 2 slots): the gateway can see the worker full.
      { input: { maxParallelTasks: 2, pollMillis: 5, gatewayCapacity: 2 } },
    );
    await until(() => events.includes('beat 2'));
    releases.get('t1')!();
    await until(() => releases.has('t3'));
    const afterFull = events.slice(events.indexOf('beat 2') + 1);
    // The gateway hears about the free slot before the worker asks for work: else the poll gets nothing.
    expect(afterFull.slice(0, 2)).toEqual(['beat 1', 'poll 1']);
    releases.get('t2')!();
    releases.get('t3')!();
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 3);
  });

  it('with capacity to spare (the default: one above the slots), never waits for a heartbeat before polling', async () => {
    const events: string[] = [];
    const releases = new Map<string, () => void>();
    const work = queue([assignment('t1'), assignment('t2'), assignment('t3')]);
    start(
      {
        register: async () => ({ accepted: true, heartbeat_interval_seconds: 60 }),
        heartbeat: async (load) => void events.push(`beat ${load.runningTasks}`),
        poll: async (max) => (events.push(`poll ${max}`), work.poll(max)),
        execute: (a) => new Promise((resolve) => releases.set(a.task_id, () => resolve(ok(a)))),
      },
      { input: { maxParallelTasks: 2, pollMillis: 5 } },
    );
    await until(() => events.includes('beat 2'));
    releases.get('t1')!();
    await until(() => releases.has('t3'));
    const afterFull = events.slice(events.indexOf('beat 2') + 1);
    expect(afterFull[0]).toBe('poll 1');
  });
});


describe('poller', () => {
  it('never asks for more than the free slots and never polls with zero free', async () => {
    const items = Array.from({ length: 7 }, (_, i) => assignment(`t${i}`));
    const work = queue(items);
    const releases: (() => void)[] = [];
    const { actor } = start(
      {
        poll: work.poll,
        execute: (a) => new Promise<ExecutionResult>((resolve) => releases.push(() => resolve(ok(a)))),
      },
      { input: { maxParallelTasks: 3, pollMillis: 5 } },
    );
    let done = 0;
    while (done < 7) {
      await until(() => releases.length > 0);
      releases.shift()!();
      done++;
      await flush();
    }
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 7, { timeout: 2000 });
    expect(work.asked[0]).toBe(3);
    expect(Math.min(...work.asked)).toBeGreaterThan(0);
    expect(Math.max(...work.asked)).toBeLessThanOrEqual(3);
  });

  it('polls again at once after a full batch or a freed slot, and waits the interval when empty', async () => {
    const clock = new SimulatedClock();
    const items = Array.from({ length: 4 }, (_, i) => assignment(`t${i}`));
    const times: number[] = [];
    const work = queue(items);
    start({ poll: async (max) => (times.push(clock.now()), work.poll(max)), execute: async (a) => ok(a) }, { clock, input: { maxParallelTasks: 2, pollMillis: 1000 } });
    for (let i = 0; i < 20; i++) await flush();
    // 2 + 2 handed out at t=0 without waiting, then an empty poll
    expect(times.every((t) => t === 0)).toBe(true);
    const pollsAtZero = times.length;
    clock.increment(999);
    for (let i = 0; i < 5; i++) await flush();
    expect(times.length).toBe(pollsAtZero);
    clock.increment(1);
    for (let i = 0; i < 5; i++) await flush();
    expect(times.length).toBe(pollsAtZero + 1);
  });

  it('asks again soon after [] (tasks queued, none for it yet), backing off to at most 200 ms', async () => {
    const clock = new SimulatedClock();
    const times: number[] = [];
    // The gateway has work queued but hands none to this worker (the first 7 polls), then a task.
    let polls = 0;
    start(
      { poll: async () => (times.push(clock.now()), ++polls <= 7 ? [] : polls === 8 ? [assignment('late')] : null), execute: async (a) => ok(a) },
      { clock, input: { maxParallelTasks: 2, pollMillis: 1500 } },
    );
    for (let t = 0; t < 3000; t += 5) {
      for (let i = 0; i < 3; i++) await flush();
      clock.increment(5);
    }
    const gaps = times.slice(1, 8).map((t, i) => t - times[i]!);
    // Jittered doubling from 10 ms: each wait in [half, full] of 10, 20, 40 ... capped at 200.
    const caps = [10, 20, 40, 80, 160, 200, 200];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(caps[i]! / 2 - 5);
      expect(gap).toBeLessThanOrEqual(caps[i]! + 5);
    });
    // After the task, the empty queue (null) means the poll interval again.
    expect(times[8]! - times[7]!).toBeLessThan(50);
    expect(times[9]! - times[8]!).toBeGreaterThanOrEqual(1500);
  });

  it('asks again soon after a short batch (fewer than asked for): on the gateway that is not an empty queue', async () => {
    const clock = new SimulatedClock();
    const times: number[] = [];
    let handed = 0;
    // Three free slots; the gateway hands out one task per poll (its claim window held one ready task).
    start(
      {
        poll: async () => (times.push(clock.now()), handed < 3 ? [assignment(`t${handed++}`)] : null),
        execute: () => new Promise<ExecutionResult>(() => undefined),
      },
      { clock, input: { maxParallelTasks: 3, pollMillis: 1500 } },
    );
    for (let t = 0; t < 200; t += 5) {
      for (let i = 0; i < 3; i++) await flush();
      clock.increment(5);
    }
    // All three handed out within tens of milliseconds, not one per poll interval.
    expect(handed).toBe(3);
    expect(times[2]! - times[0]!).toBeLessThan(60);
  });

  it('never waits longer than the poll interval after []', async () => {
    const clock = new SimulatedClock();
    const times: number[] = [];
    start({ poll: async () => (times.push(clock.now()), []) }, { clock, input: { maxParallelTasks: 1, pollMillis: 50 } });
    for (let t = 0; t < 1000; t += 5) {
      for (let i = 0; i < 3; i++) await flush();
      clock.increment(5);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.length).toBeGreaterThan(15);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(55);
  });
});

describe('tasks', () => {
  it('reports Running then the final status with the reference idempotency keys', async () => {
    const reports: ReportRequest[] = [];
    const work = queue([assignment('good'), assignment('bad', { lease_id: 'w1:bad:1:99' })]);
    const { actor } = start({
      poll: work.poll,
      execute: async (a) => (a.task_id === 'good' ? ok(a) : { ok: false, error: 'aggregation requires at least one source', durationMillis: 7, executorMillis: 6 }),
      report: async (r) => (reports.push(r), 'delivered'),
    });
    await waitFor(actor, (s) => s.context.completed + s.context.failed === 2, { timeout: 2000 });
    const of = (task: string) => reports.filter((r) => r.task_id === task);
    expect(of('good')).toEqual([
      { worker_id: 'w1', job_id: 'j1', task_id: 'good', lease_id: 'w1:good:1:1', idempotency_key: 'w1:j1:good:1:running', status: 'Running', output_artifact_uri: '', error: '', duration_millis: 0 },
      { worker_id: 'w1', job_id: 'j1', task_id: 'good', lease_id: 'w1:good:1:1', idempotency_key: 'w1:j1:good:1', status: 'Completed', output_artifact_uri: 'artifact://j1/good/output.json', error: '', duration_millis: 5 },
    ]);
    expect(of('bad').map((r) => [r.status, r.idempotency_key, r.error, r.lease_id])).toEqual([
      ['Running', 'w1:j1:bad:1:running', '', 'w1:bad:1:99'],
      ['Failed', 'w1:j1:bad:1', 'aggregation requires at least one source', 'w1:bad:1:99'],
    ]);
  });

  it('reports a malformed assignment Failed naming the field, skips an unidentifiable one, and keeps running', async () => {
    const reports: ReportRequest[] = [];
    const logs: LogEntry[] = [];
    const work = queue([{ job_id: 'j1', task_id: 'broken', type: 'embedding', inputs: { text: 42 }, attempt: 1, lease_id: 'l' }, { hello: 'world' }, 'nonsense', assignment('fine')]);
    const executed: string[] = [];
    const { actor } = start({
      poll: work.poll,
      execute: async (a) => (executed.push(a.task_id), ok(a)),
      report: async (r) => (reports.push(r), 'delivered'),
      log: (e) => logs.push(e),
    });
    await waitFor(actor, (s) => s.context.completed === 1 && s.context.failed === 1, { timeout: 2000 });
    const broken = reports.filter((r) => r.task_id === 'broken');
    expect(broken.map((r) => r.status)).toEqual(['Failed']);
    expect(broken[0]!.error).toMatch(/^malformed assignment: inputs\.text: Invalid type: Expected string but received 42/);
    expect(broken[0]!.idempotency_key).toBe('w1:j1:broken:1');
    expect(executed).toEqual(['fine']);
    expect(logs.filter((l) => /names no job\/task/.test(l.message))).toHaveLength(2);
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('runs the same (job, task, attempt, lease) once even when delivered twice', async () => {
    const executed: string[] = [];
    const work = queue([assignment('once'), assignment('once'), assignment('once', { attempt: 2, lease_id: 'w1:once:2:5' })]);
    const { actor } = start({ poll: work.poll, execute: async (a) => (executed.push(`${a.task_id}#${a.attempt}`), ok(a)) }, { input: { maxParallelTasks: 1, pollMillis: 5 } });
    await waitFor(actor, (s) => s.context.completed === 2, { timeout: 2000 });
    await new Promise((r) => setTimeout(r, 30));
    expect(executed).toEqual(['once#1', 'once#2']);
  });

  it('does not run a task whose Running report is refused for good', async () => {
    const executed: string[] = [];
    const work = queue([assignment('stale')]);
    const { actor } = start({
      poll: work.poll,
      execute: async (a) => (executed.push(a.task_id), ok(a)),
      report: async () => 'stale-lease',
    });
    await waitFor(actor, (s) => s.context.inFlight === 0 && s.context.recent.size === 1, { timeout: 2000 });
    expect(executed).toEqual([]);
  });
});

describe('a task handed out again with a later attempt while it runs', () => {
  const later = (task: string, attempt: number) => assignment(task, { attempt, lease_id: `w1:${task}:${attempt}:9` });
  const summary = (reports: ReportRequest[]) => reports.map((r) => `${r.status}#${r.idempotency_key.split(':')[3]} ${r.lease_id}`);

  it('while it executes: adopts the attempt (Running for it, the final under its lease), runs once', async () => {
    const reports: ReportRequest[] = [];
    let executions = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = queue([assignment('t1')]);
    const { actor } = start({
      poll: work.poll,
      report: async (r) => (reports.push(r), 'delivered'),
      execute: async (a) => (executions++, await gate, ok(a)),
    }, { input: { pollMillis: 5 } });
    await until(() => executions === 1);
    work.add(later('t1', 2));
    await until(() => reports.length === 2);
    release();
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 1);
    expect(executions).toBe(1);
    expect(summary(reports)).toEqual(['Running#1 w1:t1:1:1', 'Running#2 w1:t1:2:9', 'Completed#2 w1:t1:2:9']);
    // The slot the poller counted for the second item came back: two free slots again.
    work.add(assignment('t2'), assignment('t3'));
    await waitFor(actor, (s) => s.context.completed === 3);
  });

  it('while its Running report is on the way (and comes back stale): runs it once, under the later attempt', async () => {
    const reports: ReportRequest[] = [];
    let executions = 0;
    let answerFirstRunning!: (outcome: 'stale-lease') => void;
    const work = queue([assignment('t1')]);
    const { actor } = start({
      poll: work.poll,
      report: (r) => {
        reports.push(r);
        // The lease ran out while this report was slow: the gateway re-leased the task.
        if (reports.length === 1) return new Promise((resolve) => (answerFirstRunning = resolve));
        return Promise.resolve('delivered');
      },
      execute: async (a) => (executions++, ok(a)),
    }, { input: { pollMillis: 5 } });
    await until(() => reports.length === 1);
    work.add(later('t1', 2));
    await until(() => work.asked.length >= 3);
    answerFirstRunning('stale-lease');
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 1);
    expect(executions).toBe(1);
    expect(summary(reports)).toEqual(['Running#1 w1:t1:1:1', 'Running#2 w1:t1:2:9', 'Completed#2 w1:t1:2:9']);
  });

  it('while its final report is being saved: reports the same result for the later attempt, without running again', async () => {
    const reports: ReportRequest[] = [];
    let executions = 0;
    let saveFinal!: () => void;
    const work = queue([assignment('t1')]);
    const { actor } = start({
      poll: work.poll,
      report: (r) => {
        reports.push(r);
        if (r.status === 'Completed' && saveFinal === undefined) return new Promise((resolve) => (saveFinal = () => resolve('queued')));
        return Promise.resolve('delivered');
      },
      execute: async (a) => (executions++, ok(a)),
    }, { input: { pollMillis: 5 } });
    await until(() => saveFinal !== undefined);
    work.add(later('t1', 2));
    await until(() => work.asked.length >= 3);
    saveFinal();
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 1);
    expect(executions).toBe(1);
    expect(summary(reports)).toEqual(['Running#1 w1:t1:1:1', 'Completed#1 w1:t1:1:1', 'Completed#2 w1:t1:2:9']);
  });

  it('while it executes, if the adopted attempt\'s Running is refused too: stops the work and reports nothing', async () => {
    const reports: ReportRequest[] = [];
    let aborted = false;
    const work = queue([assignment('t1')]);
    const { actor } = start({
      poll: work.poll,
      report: async (r) => (reports.push(r), r.status === 'Running' && r.idempotency_key.endsWith(':2:running') ? 'stale-lease' : 'delivered'),
      execute: (a, signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve({ ok: false, error: 'aborted', durationMillis: 1, executorMillis: 1 })))),
    }, { input: { pollMillis: 5 } });
    await until(() => reports.length === 1);
    work.add(later('t1', 2));
    await until(() => aborted);
    await waitFor(actor, (s) => s.matches('idle') && Object.keys(s.context.tasks).length === 0);
    expect(summary(reports)).toEqual(['Running#1 w1:t1:1:1', 'Running#2 w1:t1:2:9']);
  });

  it('an equal or older attempt of a running task is a duplicate: ignored', async () => {
    const reports: ReportRequest[] = [];
    let executions = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = queue([assignment('t1', { attempt: 2, lease_id: 'w1:t1:2:5' })]);
    const { actor } = start({ poll: work.poll, report: async (r) => (reports.push(r), 'delivered'), execute: async (a) => (executions++, await gate, ok(a)) }, { input: { pollMillis: 5 } });
    await until(() => executions === 1);
    work.add(assignment('t1', { attempt: 1, lease_id: 'w1:t1:1:1' }));
    await until(() => work.asked.length >= 3);
    release();
    await waitFor(actor, (s) => s.matches('idle') && s.context.completed === 1);
    expect(executions).toBe(1);
    expect(summary(reports)).toEqual(['Running#2 w1:t1:2:5', 'Completed#2 w1:t1:2:5']);
  });
});

describe('shutdown', () => {
  it('drains: stops polling, finishes and reports in-flight work, then stops', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reports: string[] = [];
    const work = queue([assignment('long'), assignment('never')]);
    let pollsAfterShutdown = 0;
    let shuttingDown = false;
    const { actor, states } = start(
      {
        poll: async (max) => (shuttingDown && pollsAfterShutdown++, work.poll(Math.min(max, 1))),
        execute: async (a) => (await gate, ok(a)),
        report: async (r) => (reports.push(`${r.task_id}:${r.status}`), 'delivered'),
      },
      { input: { maxParallelTasks: 1 } },
    );
    await waitFor(actor, (s) => s.matches('busy'));
    shuttingDown = true;
    actor.send({ type: 'shutdown' });
    expect(actor.getSnapshot().matches('draining')).toBe(true);
    release();
    const final = await waitFor(actor, (s) => s.status === 'done', { timeout: 2000 });
    expect(final.output).toEqual({ status: 'stopped', error: '' });
    expect(reports).toEqual(['long:Running', 'long:Completed']);
    expect(pollsAfterShutdown).toBe(0);
    expect(states.slice(-3)).toEqual(['draining', 'farewell', 'stopped']);
  });

  it('a second shutdown aborts in-flight tasks and reports them Failed "worker shutting down"', async () => {
    const reports: string[] = [];
    let aborted = false;
    const work = queue([assignment('stuck')]);
    const { actor } = start({
      poll: work.poll,
      execute: (_a, signal) => new Promise<ExecutionResult>((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve({ ok: false, error: 'aborted', durationMillis: 1, executorMillis: 1 })))),
      report: async (r) => (reports.push(`${r.task_id}:${r.status}:${r.error}`), 'delivered'),
    });
    await waitFor(actor, (s) => s.matches('busy'));
    actor.send({ type: 'shutdown' });
    actor.send({ type: 'shutdown' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2000 });
    expect(aborted).toBe(true);
    expect(reports).toEqual(['stuck:Running:', 'stuck:Failed:worker shutting down']);
  });
});
