/**
 * Heartbeat: one beat at once, then one every interval (the register reply's,
 * else SPLAI_HEARTBEAT_SECONDS). Each beat carries the load the supervisor last
 * sent. Heartbeats also keep task leases alive, so a failed beat is logged and
 * the loop goes on; only two replies change the worker's course: 404 (the
 * control plane forgot this worker: the supervisor registers again) and 401/403.
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import { isControlPlaneError } from '../actors/ControlPlaneError.js';
import type { WorkerHealth } from '../protocol/schemas.js';
import type { HeartbeatLoad, LogEntry } from './effects.js';
import { errorText, isAuthFailure } from './registration.js';

export interface HeartbeatInput {
  readonly intervalMillis: number;
  readonly runningTasks: number;
  readonly health: WorkerHealth;
}

export interface HeartbeatContext extends HeartbeatLoad {
  readonly intervalMillis: number;
  readonly failures: number;
}

export type HeartbeatEvent =
  | { type: 'load'; runningTasks: number; queueDepth: number }
  | { type: 'health'; health: WorkerHealth };

/** Events the heartbeat sends to its parent. */
export type HeartbeatToParent = { type: 'controlPlane.forgotWorker'; source: 'heartbeat' } | { type: 'controlPlane.authFailed'; error: string };

const isNotRegistered = (error: unknown) => isControlPlaneError(error) && error.kind === 'not-registered';

export const heartbeatMachine = setup({
  types: {
    input: {} as HeartbeatInput,
    context: {} as HeartbeatContext,
    events: {} as HeartbeatEvent,
  },
  actors: {
    sendHeartbeat: fromPromise<void, HeartbeatLoad>(async () => {
      throw new Error('heartbeat effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
  },
  delays: {
    interval: ({ context }) => context.intervalMillis,
  },
}).createMachine({
  id: 'heartbeat',
  initial: 'beating',
  context: ({ input }) => ({
    intervalMillis: input.intervalMillis,
    runningTasks: input.runningTasks,
    queueDepth: 0,
    health: input.health,
    failures: 0,
  }),
  on: {
    load: { actions: assign({ runningTasks: ({ event }) => event.runningTasks, queueDepth: ({ event }) => event.queueDepth }) },
    health: { actions: assign({ health: ({ event }) => event.health }) },
  },
  states: {
    waiting: { after: { interval: 'beating' } },
    beating: {
      invoke: {
        src: 'sendHeartbeat',
        input: ({ context }) => ({ runningTasks: context.runningTasks, queueDepth: context.queueDepth, health: context.health }),
        onDone: {
          target: 'waiting',
          actions: [
            { type: 'log', params: ({ context }) => ({ level: context.failures > 0 ? 'info' : 'debug', actor: 'heartbeat', message: context.failures > 0 ? 'heartbeat recovered' : 'heartbeat sent', fields: { running_tasks: context.runningTasks, health: context.health } }) },
            assign({ failures: 0 }),
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
