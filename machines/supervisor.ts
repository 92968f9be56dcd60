/**
 * The root of the worker: its lifecycle, and the parent of every other actor.
 *
 *   registering -> idle <-> busy -> draining -> farewell -> stopped
 *        ^          |        |                     |
 *        +----------+--------+                     +-----> failed
 *   (the control plane forgot us: register again)
 *
 * A refused token (401/403, on a report in practice: the gateway checks it
 * nowhere else) drains like a shutdown, then fails instead of stopping.
 *
 * `farewell` sends one last heartbeat saying `unhealthy` before the worker
 * stops or fails: the gateway never ages a worker out, and it would go on
 * choosing a silent one as the best worker for tasks that then wait for it.
 * From the drain on, every heartbeat says `unhealthy` for the same reason.
 *
 * Children: `registration` (invoked while registering), `heartbeat` and `poller`
 * (spawned once registered), and one `task:<n>` per assignment. Every child ends
 * with an output or an event that is routed here; a child error is logged and
 * contained, never rethrown (an unhandled child error would crash the daemon).
 */
import { assign, enqueueActions, fromPromise, setup, stopChild } from 'xstate';
import { assignmentKey } from '../protocol/keys.js';
import { parseAssignment } from '../protocol/parseAssignment.js';
import type { WorkerHealth } from '../protocol/schemas.js';
import type { LogEntry } from './effects.js';
import { heartbeatMachine, type HeartbeatToParent } from './heartbeat.js';
import { pollerMachine, type PollerToParent } from './poller.js';
import { RecentKeys } from './RecentKeys.js';
import { registrationMachine } from './registration.js';
import { taskMachine, type TaskInput, type TaskOutput } from './task.js';

export interface SupervisorInput {
  readonly workerId: string;
  readonly maxParallelTasks: number;
  /** Heartbeat interval when the register reply gives none. */
  readonly heartbeatMillis: number;
  readonly pollMillis: number;
  readonly drainGraceMillis: number;
  readonly drainForceMillis: number;
  /**
   * Tasks the gateway lets this worker hold (protocol/capacity.ts). Default:
   * one above the slots, which is what the worker advertises unless
   * SPLAI_WORKER_CPU says otherwise.
   */
  readonly gatewayCapacity?: number;
}

/** A task this worker is running, by actor id. */
export interface TaskEntry {
  readonly key: string;
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  readonly attempt: number;
  readonly startedAt: number;
}

export interface SupervisorContext extends SupervisorInput {
  readonly gatewayCapacity: number;
  heartbeatIntervalMillis: number;
  tasks: Record<string, TaskEntry>;
  inFlight: number;
  /** Keys of recently finished assignments: the same assignment delivered twice runs once. */
  readonly recent: RecentKeys;
  sequence: number;
  /** Whether the heartbeat actor is spawned (sending to a missing child would throw). */
  heartbeatRunning: boolean;
  /** Whether the poller actor is spawned. */
  pollerRunning: boolean;
  /** What the heartbeat announces; `unhealthy` from the drain on, whatever the health monitor says. */
  health: WorkerHealth;
  registrations: number;
  /** When the last registration was accepted (ms since epoch; 0: never). */
  lastRegisteredAt: number;
  completed: number;
  failed: number;
  error: string;
}

export type SupervisorEvent =
  /** SIGTERM/SIGINT: the first drains, a second one aborts what is left. */
  | { type: 'shutdown'; reason?: string }
  /** The model inventory changed: register again so the scheduler knows. */
  | { type: 'models.changed' }
  /** From the runtime's health monitor: healthy or degraded (ignored while draining). */
  | { type: 'health'; health: Exclude<WorkerHealth, 'unhealthy'>; reason?: string }
  | PollerToParent
  | HeartbeatToParent
  /** Sent by XState when a task actor reaches its final state. */
  | { type: `xstate.done.actor.task:${number}`; output: TaskOutput; actorId: string }
  /** Sent by XState when a child actor throws (contained, never rethrown). */
  | { type: `xstate.error.actor.${string}`; error: unknown; actorId: string };

export interface SupervisorOutput {
  readonly status: 'stopped' | 'failed';
  readonly error: string;
}

const RECENT_LIMIT = 4096;
const SHUTDOWN_REASON = 'worker shutting down';
const STOPPING_REFUSAL = 'worker is stopping: the task was not started';

const isTaskId = (id: string) => id.startsWith('task:');
const childIdOf = (eventType: string) => eventType.replace(/^xstate\.(done|error)\.actor\./, '');

const logEntry = (level: LogEntry['level'], message: string, fields?: Record<string, unknown>): LogEntry => ({
  level,
  actor: 'supervisor',
  message,
  ...(fields === undefined ? {} : { fields }),
});

export const supervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    output: {} as SupervisorOutput,
    children: {} as {
      registration: 'registration';
      heartbeat: 'heartbeat';
      poller: 'poller';
      flushReports: 'flushReports';
      farewell: 'farewell';
      [task: `task:${number}`]: 'task';
    },
  },
  actors: {
    registration: registrationMachine,
    heartbeat: heartbeatMachine,
    poller: pollerMachine,
    task: taskMachine,
    flushReports: fromPromise<number, number>(async () => 0),
    /** The last heartbeat (`unhealthy`), with the tasks still held. */
    farewell: fromPromise<void, { runningTasks: number }>(async () => undefined),
  },
  actions: {
    // Params are `unknown` here only because enqueueActions below cannot see the
    // action types of their own setup(); every call site builds a LogEntry via logEntry().
    log: (_, _entry: unknown) => undefined,
    announceDraining: () => undefined,
    stopLoops: enqueueActions(({ context, enqueue }) => {
      if (context.pollerRunning) enqueue(stopChild('poller'));
      if (context.heartbeatRunning) enqueue(stopChild('heartbeat'));
      enqueue.assign({ pollerRunning: false, heartbeatRunning: false });
    }),
    startLoops: enqueueActions(({ context, enqueue }) => {
      enqueue.spawnChild('heartbeat', {
        id: 'heartbeat',
        input: { intervalMillis: context.heartbeatIntervalMillis, runningTasks: context.inFlight, health: context.health, capacity: context.gatewayCapacity },
      });
      // A stopping worker (unhealthy) asks for no work, also when its loops restart after a crash.
      const poll = context.health !== 'unhealthy';
      if (poll) {
        enqueue.spawnChild('poller', {
          id: 'poller',
          input: { freeSlots: context.maxParallelTasks - context.inFlight, pollMillis: context.pollMillis, capacity: context.gatewayCapacity },
        });
      }
      enqueue.assign({ pollerRunning: poll, heartbeatRunning: true });
    }),
    stopPoller: enqueueActions(({ context, enqueue }) => {
      if (!context.pollerRunning) return;
      enqueue(stopChild('poller'));
      enqueue.assign({ pollerRunning: false });
    }),
    setHealth: enqueueActions(({ context, enqueue }, params: unknown) => {
      const { health } = params as { health: WorkerHealth };
      enqueue.assign({ health });
      if (context.heartbeatRunning) enqueue.sendTo('heartbeat', { type: 'health', health });
    }),
    /** Spawn a task actor per new assignment; with a `refusal`, each only reports `Failed` with it. */
    acceptAssignments: enqueueActions(({ context, event, enqueue }, params: unknown) => {
      if (event.type !== 'assignments') return;
      const refusal = (params as { refusal?: string } | undefined)?.refusal;
      const tasks = { ...context.tasks };
      const running = new Set(Object.values(tasks).map((t) => t.key));
      let { sequence, inFlight } = context;
      for (const raw of event.items) {
        const parsed = parseAssignment(raw);
        if (parsed.kind === 'unidentifiable') {
          enqueue({ type: 'log', params: logEntry('warn', `skipping an assignment that names no job/task: ${parsed.error}`) });
          if (context.pollerRunning) enqueue.sendTo('poller', { type: 'slot.freed' });
          continue;
        }
        const input: TaskInput =
          parsed.kind === 'valid'
            ? {
                workerId: context.workerId,
                jobId: parsed.assignment.job_id,
                taskId: parsed.assignment.task_id,
                type: parsed.assignment.type,
                attempt: parsed.assignment.attempt,
                leaseId: parsed.assignment.lease_id,
                // Refused: the task actor only reports Failed with the reason.
                ...(refusal === undefined ? { assignment: parsed.assignment } : { invalid: refusal }),
              }
            : { workerId: context.workerId, jobId: parsed.jobId, taskId: parsed.taskId, type: 'unknown', attempt: parsed.attempt, leaseId: parsed.leaseId, invalid: parsed.error };
        const key = assignmentKey({ job_id: input.jobId, task_id: input.taskId, attempt: input.attempt, lease_id: input.leaseId });
        // The same task, still running here, under a later attempt (the gateway re-queued it
        // while it ran): the running actor adopts the attempt; nothing runs twice.
        const runningId = Object.keys(tasks).find((id) => tasks[id]!.jobId === input.jobId && tasks[id]!.taskId === input.taskId);
        const duplicate = running.has(key) || context.recent.has(key);
        if (!duplicate && runningId !== undefined && refusal === undefined && parsed.kind === 'valid' && input.attempt > tasks[runningId]!.attempt) {
          enqueue({ type: 'log', params: logEntry('info', 'a task still running here was handed out again with a later attempt: adopting it', { job_id: input.jobId, task_id: input.taskId, attempt: input.attempt, running_attempt: tasks[runningId]!.attempt }) });
          running.add(key);
          // The attempt it had is done with as far as duplicates go: delivered again, it must not run.
          const adoptedFrom = tasks[runningId]!.key;
          enqueue(() => context.recent.add(adoptedFrom));
          tasks[runningId] = { ...tasks[runningId]!, key, attempt: input.attempt };
          enqueue.sendTo(runningId, { type: 'supersede', attempt: input.attempt, leaseId: input.leaseId });
          if (context.pollerRunning) enqueue.sendTo('poller', { type: 'slot.freed' });
          continue;
        }
        // An older (or the same) attempt of a task running here is stale: the running one wins.
        const stale = runningId !== undefined && input.attempt <= tasks[runningId]!.attempt;
        if (stale || duplicate) {
          enqueue({ type: 'log', params: logEntry('warn', 'ignoring a duplicate assignment', { job_id: input.jobId, task_id: input.taskId, attempt: input.attempt }) });
          if (context.pollerRunning) enqueue.sendTo('poller', { type: 'slot.freed' });
          continue;
        }
        const id: `task:${number}` = `task:${++sequence}`;
        running.add(key);
        tasks[id] = { key, jobId: input.jobId, taskId: input.taskId, type: input.type, attempt: input.attempt, startedAt: Date.now() };
        inFlight++;
        enqueue.spawnChild('task', { id, input });
      }
      enqueue.assign({ tasks, sequence, inFlight });
      if (context.heartbeatRunning) enqueue.sendTo('heartbeat', { type: 'load', runningTasks: inFlight, queueDepth: 0 });
    }),
    finishTask: enqueueActions(({ context, event, enqueue }) => {
      const id = childIdOf(event.type);
      const entry = context.tasks[id];
      if (entry === undefined) return;
      const { [id]: _finished, ...tasks } = context.tasks;
      const output = (event as unknown as { output?: TaskOutput }).output;
      const failedHard = event.type.startsWith('xstate.error.');
      if (failedHard) {
        enqueue({ type: 'log', params: logEntry('error', `task actor crashed: ${String((event as unknown as { error?: unknown }).error)}`, { job_id: entry.jobId, task_id: entry.taskId }) });
      }
      // XState keeps a finished child in snapshot.children until it is stopped: without
      // this, every task ever run stays there (a leak, and each spawn copies them all).
      enqueue.stopChild(id);
      // A side effect, not part of the transition: it runs once, when the actor executes it.
      enqueue(() => context.recent.add(entry.key));
      const inFlight = context.inFlight - 1;
      enqueue.assign({
        tasks,
        inFlight,
        completed: context.completed + (output?.status === 'Completed' ? 1 : 0),
        failed: context.failed + (output?.status === 'Failed' || failedHard ? 1 : 0),
      });
      if (context.pollerRunning) enqueue.sendTo('poller', { type: 'slot.freed' });
      if (context.heartbeatRunning) enqueue.sendTo('heartbeat', { type: 'load', runningTasks: inFlight, queueDepth: 0 });
      if (output?.modelInstalled !== undefined) enqueue.raise({ type: 'models.changed' });
    }),
    applyHealth: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'health' || event.health === context.health) return;
      enqueue.assign({ health: event.health });
      if (context.heartbeatRunning) enqueue.sendTo('heartbeat', { type: 'health', health: event.health });
    }),
    /** The first refusal is the one the worker fails with. */
    recordAuthFailure: assign({ error: ({ context, event }) => (context.error !== '' || event.type !== 'controlPlane.authFailed' ? context.error : event.error) }),
    abortAllTasks: enqueueActions(({ context, enqueue }) => {
      for (const id of Object.keys(context.tasks)) enqueue.sendTo(id, { type: 'abort', reason: SHUTDOWN_REASON });
    }),
  },
  guards: {
    hasError: ({ context }) => context.error !== '',
    hasTasks: ({ context }) => context.inFlight > 0,
    noTasks: ({ context }) => context.inFlight === 0,
    isTaskEvent: ({ event }) => isTaskId(childIdOf(event.type)),
  },
  delays: {
    drainGrace: ({ context }) => context.drainGraceMillis,
    forceDeadline: ({ context }) => context.drainGraceMillis + context.drainForceMillis,
    drainForce: ({ context }) => context.drainForceMillis,
    /** How long the last heartbeat may take before the worker stops without it. */
    farewellTimeout: 2000,
  },
}).createMachine({
  id: 'supervisor',
  initial: 'registering',
  context: ({ input }) => ({
    ...input,
    gatewayCapacity: input.gatewayCapacity ?? input.maxParallelTasks + 1,
    heartbeatIntervalMillis: input.heartbeatMillis,
    tasks: {},
    inFlight: 0,
    recent: new RecentKeys(RECENT_LIMIT),
    sequence: 0,
    heartbeatRunning: false,
    pollerRunning: false,
    health: 'healthy',
    registrations: 0,
    lastRegisteredAt: 0,
    completed: 0,
    failed: 0,
    error: '',
  }),
  on: {
    // Task actors finish in any state (also while registering again or draining).
    'xstate.done.actor.*': { guard: 'isTaskEvent', actions: 'finishTask' },
    // What the gateway now believes about this worker's load: the poller may be waiting for it.
    'heartbeat.accepted': {
      guard: ({ context }) => context.pollerRunning,
      actions: enqueueActions(({ event, enqueue }) => {
        if (event.type === 'heartbeat.accepted') enqueue.sendTo('poller', { type: 'gateway.load', runningTasks: event.runningTasks });
      }),
    },
    'xstate.error.actor.*': [
      { guard: 'isTaskEvent', actions: 'finishTask' },
      {
        // heartbeat or poller crashed: log it and start them again rather than die.
        actions: [
          { type: 'log', params: ({ event }: { event: SupervisorEvent }) => logEntry('error', `${childIdOf(event.type)} actor crashed: ${String((event as unknown as { error?: unknown }).error)}`) },
          'stopLoops',
          'startLoops',
        ],
      },
    ],
  },
  states: {
    registering: {
      entry: ['stopLoops', { type: 'log', params: logEntry('info', 'registering with the control plane') }],
      invoke: {
        id: 'registration',
        src: 'registration',
        // At most one registration per heartbeat interval (see RegistrationInput).
        input: ({ context }) => ({ pauseMillis: context.lastRegisteredAt + context.heartbeatIntervalMillis - Date.now() }),
        onDone: [
          {
            guard: ({ event }) => event.output.type === 'ok',
            target: 'operating',
            actions: [
              assign({
                heartbeatIntervalMillis: ({ context, event }) =>
                  event.output.type === 'ok' && event.output.heartbeatIntervalSeconds !== undefined && event.output.heartbeatIntervalSeconds > 0
                    ? event.output.heartbeatIntervalSeconds * 1000
                    : context.heartbeatMillis,
                registrations: ({ context }) => context.registrations + 1,
                lastRegisteredAt: () => Date.now(),
              }),
              { type: 'log', params: ({ context }: { context: SupervisorContext }) => logEntry('info', 'registered', { heartbeat_interval_ms: context.heartbeatIntervalMillis, registrations: context.registrations }) },
              'startLoops',
            ],
          },
          {
            target: 'farewell',
            actions: assign({ error: ({ event }) => (event.output.type === 'error' ? event.output.error : 'registration failed') }),
          },
        ],
      },
      on: {
        shutdown: 'draining',
        'controlPlane.forgotWorker': {},
        'controlPlane.authFailed': { target: 'draining', actions: 'recordAuthFailure' },
        health: { actions: 'applyHealth' },
        // A poll that was on the wire when the loops stopped: its tasks are leased to this worker.
        assignments: { actions: 'acceptAssignments' },
      },
    },
    operating: {
      // Not a lifecycle state of its own: it routes to idle or busy at once.
      always: [{ guard: 'hasTasks', target: 'busy' }, { target: 'idle' }],
    },
    idle: {
      always: { guard: 'hasTasks', target: 'busy' },
      on: {
        assignments: { actions: 'acceptAssignments' },
        'controlPlane.forgotWorker': 'registering',
        'models.changed': 'registering',
        // The token is refused: take no more work, let what runs finish (its reports stay in the outbox), fail.
        'controlPlane.authFailed': { target: 'draining', actions: 'recordAuthFailure' },
        shutdown: 'draining',
        health: { actions: 'applyHealth' },
      },
    },
    busy: {
      always: { guard: 'noTasks', target: 'idle' },
      on: {
        assignments: { actions: 'acceptAssignments' },
        'controlPlane.forgotWorker': 'registering',
        'models.changed': 'registering',
        // The token is refused: take no more work, let what runs finish (its reports stay in the outbox), fail.
        'controlPlane.authFailed': { target: 'draining', actions: 'recordAuthFailure' },
        shutdown: 'draining',
        health: { actions: 'applyHealth' },
      },
    },
    draining: {
      entry: [
        'stopPoller',
        { type: 'setHealth', params: { health: 'unhealthy' } },
        'announceDraining',
        { type: 'log', params: ({ context }: { context: SupervisorContext }) => logEntry('info', 'draining: no new work; waiting for in-flight tasks', { in_flight: context.inFlight }) },
      ],
      after: { forceDeadline: { target: 'farewell', actions: { type: 'log', params: logEntry('error', 'drain force deadline passed; stopping with work left') } } },
      initial: 'waitingForTasks',
      on: {
        // Reports do not need a registration; keep draining.
        'controlPlane.forgotWorker': {},
        'controlPlane.authFailed': { actions: 'recordAuthFailure' },
        'models.changed': {},
        // A poll that was on the wire when the drain began, answered after the tasks
        // are done or being aborted: report its tasks Failed, so the scheduler hands
        // them to another worker now rather than when their leases run out.
        assignments: { actions: { type: 'acceptAssignments', params: { refusal: STOPPING_REFUSAL } } },
      },
      states: {
        waitingForTasks: {
          always: { guard: 'noTasks', target: 'flushing' },
          after: { drainGrace: 'aborting' },
          // A poll that was on the wire when the drain began: its tasks are leased to
          // this worker; they run within the drain like the others.
          on: { shutdown: 'aborting', assignments: { actions: 'acceptAssignments' } },
        },
        aborting: {
          entry: [{ type: 'log', params: ({ context }: { context: SupervisorContext }) => logEntry('warn', 'aborting in-flight tasks', { in_flight: context.inFlight }) }, 'abortAllTasks'],
          always: { guard: 'noTasks', target: 'flushing' },
          // After a second signal the abort may start long before the grace ends:
          // it still gets no more than the force period.
          after: { drainForce: { target: '#supervisor.farewell', actions: { type: 'log', params: logEntry('error', 'drain force deadline passed while aborting; stopping with work left') } } },
        },
        flushing: {
          invoke: {
            id: 'flushReports',
            src: 'flushReports',
            input: ({ context }) => context.drainForceMillis,
            onDone: {
              target: '#supervisor.farewell',
              actions: {
                type: 'log',
                params: ({ event }: { event: { output: number } }) =>
                  event.output > 0 ? logEntry('warn', `${event.output} report(s) not delivered yet; they stay in the outbox for the next run`) : logEntry('info', 'all reports delivered'),
              },
            },
            onError: '#supervisor.farewell',
          },
        },
      },
    },
    farewell: {
      entry: ['stopLoops', { type: 'setHealth', params: { health: 'unhealthy' } }],
      invoke: {
        id: 'farewell',
        src: 'farewell',
        input: ({ context }) => ({ runningTasks: context.inFlight }),
        onDone: [{ guard: 'hasError', target: 'failed' }, { target: 'stopped' }],
        onError: [{ guard: 'hasError', target: 'failed' }, { target: 'stopped' }],
      },
      after: { farewellTimeout: [{ guard: 'hasError', target: 'failed' }, { target: 'stopped' }] },
    },
    stopped: {
      type: 'final',
      entry: ['stopLoops', { type: 'log', params: logEntry('info', 'stopped') }],
    },
    failed: {
      type: 'final',
      entry: ['stopLoops', { type: 'log', params: ({ context }: { context: SupervisorContext }) => logEntry('error', `worker failed: ${context.error}`) }],
    },
  },
  output: ({ context }) => ({ status: context.error === '' ? 'stopped' : 'failed', error: context.error }),
});
