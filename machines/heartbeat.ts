/**
 * Heartbeat: one beat at once, then one every interval (the register reply's,
 * else SPLAI_HEARTBEAT_SECONDS). Each beat carries the load the supervisor last
 * sent. Heartbeats also keep task leases alive, so a failed beat is logged and
 * the loop goes on; only two replies change the worker's course: 404 (the
 * control plane forgot this worker: the supervisor registers again) and 401/403.
 *
 * The gateway schedules on what the last heartbeat said (running_tasks against
 * its capacity, and a score that prefers the least loaded worker), so a stale
 * beat steers work wrongly. When the load or the health changes, the next beat
 * comes `loadChangeSpacing` after the change instead of at the interval, and at
 * once in two cases: the gateway last heard that every task it allows is
 * running, and a slot has freed (it hands out nothing until it hears so); or
 * the health turned `unhealthy` (a stopping worker must not be chosen). Each
 * accepted beat is reported to the parent (`heartbeat.accepted`), whose poller
 * may be waiting for the gateway to hear about a free slot.
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import { errorText } from '../base/errorText.js';
import { isAuthFailure, isControlPlaneError } from '../base/ControlPlaneError.js';
import type { WorkerHealth } from '../protocol/schemas.js';
import type { HeartbeatLoad, LogEntry } from './effects.js';

export interface HeartbeatInput {
  readonly intervalMillis: number;
  readonly runningTasks: number;
  readonly health: WorkerHealth;
  /** Tasks the gateway lets this worker hold (protocol/capacity.ts). */
  readonly capacity: number;
}

export interface HeartbeatContext extends HeartbeatLoad {
  readonly intervalMillis: number;
  readonly capacity: number;
  readonly failures: number;
  /** What the gateway last accepted; undefined before the first accepted beat. */
  readonly sent: HeartbeatLoad | undefined;
}

/** Least time between a load change and the beat that tells the gateway about it. */
export const LOAD_CHANGE_SPACING_MILLIS = 50;

export type HeartbeatEvent =
  | { type: 'load'; runningTasks: number; queueDepth: number }
  | { type: 'health'; health: WorkerHealth };

/** Events the heartbeat sends to its parent. */
export type HeartbeatToParent =
  | { type: 'controlPlane.forgotWorker'; source: 'heartbeat' }
  | { type: 'controlPlane.authFailed'; error: string }
  /** The gateway accepted a beat: it now schedules on this load. */
  | { type: 'heartbeat.accepted'; runningTasks: number; health: WorkerHealth };

const isNotRegistered = (error: unknown) => isControlPlaneError(error) && error.kind === 'not-registered';

const loadOf = (context: HeartbeatContext): HeartbeatLoad => ({ runningTasks: context.runningTasks, queueDepth: context.queueDepth, health: context.health });

/** The load changed since the gateway last heard it. */
const changed = (context: HeartbeatContext) =>
  context.sent === undefined || context.sent.runningTasks !== context.runningTasks || context.sent.queueDepth !== context.queueDepth || context.sent.health !== context.health;

/** The gateway must hear now: it thinks the worker is full and a slot has freed, or the worker stops. */
const urgent = (context: HeartbeatContext) =>
  context.sent !== undefined &&
  ((context.sent.runningTasks >= context.capacity && context.runningTasks < context.capacity) || (context.health === 'unhealthy' && context.sent.health !== 'unhealthy'));

export const heartbeatMachine = setup({
  types: {
    input: {} as HeartbeatInput,
    context: {} as HeartbeatContext,
    events: {} as HeartbeatEvent,
  },
  actors: {
    /** Resolves with the load it sent. */
    sendHeartbeat: fromPromise<HeartbeatLoad, HeartbeatLoad>(async () => {
      throw new Error('heartbeat effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
  },
  delays: {
    interval: ({ context }) => context.intervalMillis,
    loadChangeSpacing: ({ context }) => (urgent(context) ? 0 : Math.min(LOAD_CHANGE_SPACING_MILLIS, context.intervalMillis)),
  },
}).createMachine({
  id: 'heartbeat',
  initial: 'beating',
  context: ({ input }) => ({
    intervalMillis: input.intervalMillis,
    capacity: input.capacity,
    runningTasks: input.runningTasks,
    queueDepth: 0,
    health: input.health,
    failures: 0,
    sent: undefined,
  }),
  on: {
    load: { actions: assign({ runningTasks: ({ event }) => event.runningTasks, queueDepth: ({ event }) => event.queueDepth }) },
    health: { actions: assign({ health: ({ event }) => event.health }) },
  },
  states: {
    waiting: {
      after: { interval: 'beating' },
      // A load or health event was just assigned by the root handlers: beat soon if it changed
      // anything. Not after a failed beat: during an outage only the interval retries.
      always: { guard: ({ context }) => context.failures === 0 && context.sent !== undefined && changed(context), target: 'soon' },
    },
    soon: {
      after: { loadChangeSpacing: 'beating' },
      always: { guard: ({ context }) => urgent(context), target: 'beating' },
    },
    beating: {
      invoke: {
        src: 'sendHeartbeat',
        input: ({ context }) => loadOf(context),
        onDone: {
          target: 'waiting',
          actions: [
            { type: 'log', params: ({ context }) => ({ level: context.failures > 0 ? 'info' : 'debug', actor: 'heartbeat', message: context.failures > 0 ? 'heartbeat recovered' : 'heartbeat sent', fields: { running_tasks: context.runningTasks, health: context.health } }) },
            // What went out, not what the context holds now: a load event may have come in meanwhile.
            assign({ failures: 0, sent: ({ event }) => event.output }),
            sendParent(({ event }) => ({ type: 'heartbeat.accepted', runningTasks: event.output.runningTasks, health: event.output.health }) satisfies HeartbeatToParent),
          ],
        },
        onError: [
          {
            guard: ({ event }) => isNotRegistered(event.error),
            target: 'waiting',
            actions: [
              { type: 'log', params: { level: 'warn', actor: 'heartbeat', message: 'control plane does not know this worker (404); registering again' } },
              sendParent({ type: 'controlPlane.forgotWorker', source: 'heartbeat' } satisfies HeartbeatToParent),
            ],
          },
          {
            guard: ({ event }) => isAuthFailure(event.error),
            target: 'waiting',
            actions: sendParent(({ event }) => ({ type: 'controlPlane.authFailed', error: errorText(event.error) }) satisfies HeartbeatToParent),
          },
          {
            target: 'waiting',
            actions: [
              assign({ failures: ({ context }) => context.failures + 1 }),
              // During an outage: warn at 1, 2, 4, 8 ... consecutive failures, not at every beat.
              { type: 'log', params: ({ event, context }) => ({ level: Number.isInteger(Math.log2(context.failures)) ? 'warn' : 'debug', actor: 'heartbeat', message: `heartbeat failed: ${errorText(event.error)}`, fields: { consecutive_failures: context.failures } }) },
            ],
          },
        ],
      },
    },
  },
});
