/**
 * Property tests of the supervisor and task actors with fake effects: random
 * batches of good, duplicate and hostile assignments, random execution
 * outcomes (success, failure, a thrown error), random refusals of the Running
 * report, random poll failures and "the control plane forgot this worker"
 * (re-registration) in between. Whatever happens: nothing escapes as an actor
 * error, every identifiable assignment is run at most once and gets exactly one
 * final report (none only when the control plane refused its Running report).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, type Actor } from 'xstate';
import { ControlPlaneError } from '../../base/ControlPlaneError.js';
import type { ReportOutcome } from '../../actors/reporter.js';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type ExecutionResult } from '../../machines/effects.js';
import { assignmentKey, finalKey } from '../../protocol/keys.js';
import { parseAssignment } from '../../protocol/parseAssignment.js';
import type { ReportRequest } from '../../protocol/schemas.js';
import { hostileAssignment, plausibleAssignment } from './arbitraries.js';

const actors: Actor<ReturnType<typeof createSupervisorLogic>>[] = [];
afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
});

type Exec = 'ok' | 'fail' | 'throw';
type PollFault = 'none' | 'transient' | 'forgot';

const item = fc.oneof({ weight: 4, arbitrary: plausibleAssignment as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostileAssignment });
const scenario = fc.record({
  batches: fc.array(fc.array(item, { maxLength: 5 }), { minLength: 1, maxLength: 8 }),
  pollFaults: fc.array(fc.constantFrom<PollFault>('none', 'none', 'none', 'transient', 'forgot'), { minLength: 1, maxLength: 12 }),
  executions: fc.array(fc.constantFrom<Exec>('ok', 'ok', 'fail', 'throw'), { minLength: 1, maxLength: 10 }),
  running: fc.array(fc.constantFrom<ReportOutcome>('delivered', 'delivered', 'queued', 'stale-lease', 'job-gone', 'rejected'), { minLength: 1, maxLength: 10 }),
  slots: fc.integer({ min: 1, max: 4 }),
});

/** The dedupe key, the final-report identity, and the task and attempt of a raw item, if identifiable. */
function identity(raw: unknown): { key: string; report: string; task: string; attempt: number } | undefined {
  const parsed = parseAssignment(raw);
  if (parsed.kind === 'unidentifiable') return undefined;
  const [job, task, attempt, lease] =
    parsed.kind === 'valid'
      ? [parsed.assignment.job_id, parsed.assignment.task_id, parsed.assignment.attempt, parsed.assignment.lease_id]
      : [parsed.jobId, parsed.taskId, parsed.attempt, parsed.leaseId];
  return {
    key: assignmentKey({ job_id: job, task_id: task, attempt, lease_id: lease }),
    report: reportIdentity({ job_id: job, task_id: task, lease_id: lease, idempotency_key: finalKey('w1', job, task, attempt) }),
    task: `${job}\u0000${task}`,
    attempt,
  };
}

/** The task and attempt of a report identity (job, task, lease, key `w1:<job>:<task>:<attempt>`). */
function taskAttemptOf(report: string): { task: string; attempt: number } {
  const [job = '', task = '', , key = ''] = report.split('\u0000');
  return { task: `${job}\u0000${task}`, attempt: Number(key.split(':').at(-1)) };
}

/**
 * Every delivered assignment is accounted for: its own final report, or a later
 * attempt of the same task that was settled (a final report, or its Running
 * refused). A task handed out again while it ran here adopts the later attempt,
 * and an earlier attempt is stale once a later one exists.
 */
function accountedFor(id: { report: string; task: string; attempt: number }, finals: ReadonlyMap<string, number>, refused: ReadonlySet<string> = new Set()): boolean {
  if ((finals.get(id.report) ?? 0) > 0) return true;
  return [...finals.keys(), ...refused].some((report) => {
    const other = taskAttemptOf(report);
    return other.task === id.task && other.attempt > id.attempt;
  });
}

const reportIdentity = (r: Pick<ReportRequest, 'job_id' | 'task_id' | 'lease_id' | 'idempotency_key'>) => `${r.job_id}\u0000${r.task_id}\u0000${r.lease_id}\u0000${r.idempotency_key}`;

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('supervisor and task actors under random and hostile input', () => {
  it('never fail, run each identifiable assignment (and each task at a time) at most once, and account for each with one final report', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ batches, pollFaults, executions, running, slots }) => {
        let polls = 0;
        let delivered = 0;
        let registrations = 0;
        let execCalls = 0;
        let runningCalls = 0;
        const executed = new Map<string, number>();
        const executingTasks = new Set<string>();
        let concurrentRuns = 0;
        const finals = new Map<string, number>();
        const runningRefused = new Set<string>();
        const errors: unknown[] = [];

        const logic = createSupervisorLogic({
          ...inertEffects,
          register: async () => (registrations++, { accepted: true, heartbeat_interval_seconds: 0.01 }),
          poll: async () => {
            // Faults first, then a control plane that answers (else nothing could ever be delivered).
            const fault = pollFaults[polls++] ?? 'none';
            if (fault === 'transient') throw new ControlPlaneError('transient', 'poll', 'HTTP 503: injected', 503);
            if (fault === 'forgot') throw new ControlPlaneError('not-registered', 'poll', 'HTTP 404: worker not registered', 404);
            // A hostile control plane may also send more than was asked for.
            return delivered < batches.length ? batches[delivered++]! : [];
          },
          execute: async (a): Promise<ExecutionResult> => {
            const key = assignmentKey(a);
            executed.set(key, (executed.get(key) ?? 0) + 1);
            const task = `${a.job_id}\u0000${a.task_id}`;
            if (executingTasks.has(task)) concurrentRuns++;
            executingTasks.add(task);
            const outcome = executions[execCalls++ % executions.length]!;
            await new Promise((r) => setTimeout(r, outcome === 'ok' ? 1 : 0));
            executingTasks.delete(task);
            if (outcome === 'throw') throw new Error('executor blew up');
            return outcome === 'ok' ? { ok: true, uri: 'artifact://x', durationMillis: 1, executorMillis: 1 } : { ok: false, error: 'task failed', durationMillis: 1, executorMillis: 1 };
          },
          report: async (r) => {
            if (r.status === 'Running') {
              const outcome = running[runningCalls++ % running.length]!;
              if (outcome === 'stale-lease' || outcome === 'job-gone' || outcome === 'rejected') {
                runningRefused.add(reportIdentity({ ...r, idempotency_key: r.idempotency_key.replace(/:running$/, '') }));
              }
              return outcome;
            }
            const id = reportIdentity(r);
            finals.set(id, (finals.get(id) ?? 0) + 1);
            return 'delivered';
          },
        });
        const actor = createActor(logic, {
          input: { workerId: 'w1', maxParallelTasks: slots, heartbeatMillis: 10, pollMillis: 2, drainGraceMillis: 1000, drainForceMillis: 1000 },
        });
        actors.push(actor);
        actor.subscribe({ error: (error) => errors.push(error) });
        actor.start();

        await until(() => (delivered >= batches.length && polls > pollFaults.length && actor.getSnapshot().context.inFlight === 0) || errors.length > 0 || actor.getSnapshot().status !== 'active', 5000);
        // Let a last poll round go by so late duplicates would show.
        await new Promise((r) => setTimeout(r, 5));
        expect(errors).toEqual([]);
        expect(actor.getSnapshot().status).toBe('active');
        expect(actor.getSnapshot().context.inFlight).toBe(0);

        const expected = new Map<string, NonNullable<ReturnType<typeof identity>>>();
        for (const raw of batches.flat()) {
          const id = identity(raw);
          if (id !== undefined) expected.set(id.key, id);
        }
        expect(concurrentRuns, 'a task run twice at the same time').toBe(0);
        for (const [key, id] of expected) {
          expect(executed.get(key) ?? 0, `runs of ${JSON.stringify(key)}`).toBeLessThanOrEqual(1);
          if (runningRefused.has(id.report)) {
            expect(finals.get(id.report) ?? 0, `final reports of ${JSON.stringify(id.report)} (Running refused)`).toBe(0);
          } else {
            expect(accountedFor(id, finals, runningRefused), `final report for ${JSON.stringify(id.report)}`).toBe(true);
          }
        }
        // Nothing was reported that was not assigned, and nothing twice.
        const assigned = new Set([...expected.values()].map((id) => id.report));
        for (const [report, count] of finals) {
          expect(assigned.has(report), report).toBe(true);
          expect(count, report).toBe(1);
        }
        if (pollFaults.includes('forgot')) expect(registrations).toBeGreaterThan(1);
        actor.stop();
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('a shutdown at any moment still gives every started assignment exactly one final report, also when tasks ignore the abort', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(item, { maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom<'ok' | 'slow' | 'stuck'>('ok', 'slow', 'stuck'), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        async (batches, behaviours, shutdownAfterPolls, secondSignal) => {
          let polls = 0;
          let calls = 0;
          const handed: unknown[] = [];
          const finals = new Map<string, number>();
          const started = new Set<string>();
          const errors: unknown[] = [];
          const actor = createActor(
            createSupervisorLogic({
              ...inertEffects,
              register: async () => ({ accepted: true, heartbeat_interval_seconds: 0.01 }),
              poll: async () => {
                const batch = batches[polls++] ?? [];
                handed.push(...batch);
                return batch;
              },
              execute: (a, signal): Promise<ExecutionResult> => {
                const behaviour = behaviours[calls++ % behaviours.length]!;
                const ok: ExecutionResult = { ok: true, uri: `artifact://${a.job_id}/${a.task_id}/output.json`, durationMillis: 1, executorMillis: 1 };
                if (behaviour === 'ok') return Promise.resolve(ok);
                if (behaviour === 'slow') return new Promise((resolve, reject) => {
                  const timer = setTimeout(() => resolve(ok), 30);
                  signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))));
                });
                return new Promise<ExecutionResult>(() => undefined); // ignores the abort
              },
              report: async (r) => {
                if (r.status === 'Running') started.add(reportIdentity({ ...r, idempotency_key: r.idempotency_key.replace(/:running$/, '') }));
                else finals.set(reportIdentity(r), (finals.get(reportIdentity(r)) ?? 0) + 1);
                return 'delivered';
              },
            }),
            { input: { workerId: 'w1', maxParallelTasks: 3, heartbeatMillis: 10, pollMillis: 2, drainGraceMillis: 20, drainForceMillis: 20 } },
          );
          actors.push(actor);
          actor.subscribe({ error: (error) => errors.push(error) });
          actor.start();
          await until(() => polls >= Math.min(shutdownAfterPolls, batches.length), 2000).catch(() => undefined);
          actor.send({ type: 'shutdown' });
          if (secondSignal) actor.send({ type: 'shutdown' });
          await until(() => actor.getSnapshot().status !== 'active', 3000);
          expect(errors).toEqual([]);
          expect(actor.getSnapshot().output?.status).toBe('stopped');
          // Assignments of a poll still in flight at the shutdown are never seen (the
          // control plane re-queues them when their lease expires): only what the
          // worker started must end with exactly one final report.
          const handedIds = new Set<string>();
          for (const raw of handed) {
            const id = identity(raw);
            if (id !== undefined) handedIds.add(id.report);
          }
          for (const report of started) expect(accountedFor({ report, ...taskAttemptOf(report) }, finals), report).toBe(true);
          for (const [report, count] of finals) {
            expect(count, report).toBe(1);
            expect(handedIds.has(report), report).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);

  it('a control plane that answers 404 to every poll gets at most one registration per heartbeat interval, not a busy loop', async () => {
    let registrations = 0;
    const actor = createActor(
      createSupervisorLogic({
        ...inertEffects,
        register: async () => (registrations++, { accepted: true, heartbeat_interval_seconds: 0.05 }),
        poll: async () => Promise.reject(new ControlPlaneError('not-registered', 'poll', 'HTTP 404: not found', 404)),
      }),
      { input: { workerId: 'w1', maxParallelTasks: 2, heartbeatMillis: 50, pollMillis: 2, drainGraceMillis: 1000, drainForceMillis: 1000 } },
    );
    actors.push(actor);
    actor.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(actor.getSnapshot().status).toBe('active');
    // 300 ms / 50 ms = 6 intervals; without the pause this would be thousands.
    expect(registrations).toBeGreaterThan(1);
    expect(registrations).toBeLessThanOrEqual(10);
  });

  it('runs an assignment delivered again after re-registration only once', async () => {
    const a = { job_id: 'j1', task_id: 't1', type: 'aggregation', inputs: {}, attempt: 1, lease_id: 'w1:t1:1:1' };
    const replies: (unknown[] | Error)[] = [[a], new ControlPlaneError('not-registered', 'poll', 'HTTP 404: worker not registered', 404), [a, a], [a]];
    let registrations = 0;
    const runs: string[] = [];
    const finals: ReportRequest[] = [];
    const actor = createActor(
      createSupervisorLogic({
        ...inertEffects,
        register: async () => (registrations++, { accepted: true, heartbeat_interval_seconds: 0.01 }),
        poll: async () => {
          const next = replies.shift() ?? [];
          if (next instanceof Error) throw next;
          return next;
        },
        execute: async (x) => (runs.push(x.task_id), { ok: true, uri: 'artifact://x', durationMillis: 1, executorMillis: 1 }),
        report: async (r) => (r.status !== 'Running' && finals.push(r), 'delivered'),
      }),
      { input: { workerId: 'w1', maxParallelTasks: 2, heartbeatMillis: 10, pollMillis: 2, drainGraceMillis: 1000, drainForceMillis: 1000 } },
    );
    actors.push(actor);
    actor.start();
    await until(() => replies.length === 0 && actor.getSnapshot().context.inFlight === 0, 3000);
    expect(registrations).toBe(2);
    expect(runs).toEqual(['t1']);
    expect(finals).toHaveLength(1);
  });
});
