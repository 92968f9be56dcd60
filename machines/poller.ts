/**
 * Poller: asks for as many assignments as there are free slots, and only when a
 * slot is free. Work-conserving, unlike the reference worker: it polls again at
 * once when a batch came back full or a slot frees, and waits the poll interval
 * only when the control plane's queue was empty (the SPLAI API has no long poll).
 *
 * The gateway has two empty answers, and they mean different things:
 * - `null`: its queue was empty. Nothing to do: wait the poll interval.
 * - `[]`: tasks are queued, but none may go to this worker now. Another worker
 *   may score better, a dependency or a retry backoff may not be over, or the
 *   poll's claim window (32 x max_tasks entries from the front of its queue) may
 *   have held only stale entries. The gateway's queue keeps one entry for every
 *   time a task was made ready, so a large job fills it with entries of tasks
 *   that already ran. Ask again soon, backing off from `QUEUED_RETRY.baseMillis`
 *   to at most `QUEUED_RETRY.maxMillis` (never more than the poll interval).
 *   Waiting the whole poll interval here throttled a worker on the real gateway
 *   to a fraction of its speed.
 *
 * The poller keeps its own count of free slots: it subtracts what it handed to
 * the supervisor and adds what the supervisor reports freed (`slot.freed`), one
 * per assignment item, whatever became of it.
 *
 * It also keeps what the gateway believes: `running_tasks` of the last accepted
 * heartbeat (`gateway.load`, 0 after registering). When that reaches the
 * gateway's capacity for this worker (protocol/capacity.ts), a poll would get
 * nothing, or a task bought by silently pre-empting one this worker still runs.
 * So the poller waits for a heartbeat that shows a free slot (the heartbeat
 * sends one at once when a slot frees). With the capacity the worker
 * advertises by default this never happens: the cap is one above the slots.
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import { errorText } from '../base/errorText.js';
import { backoffDelay } from '../base/backoff.js';
import { isAuthFailure, isControlPlaneError } from '../base/ControlPlaneError.js';
import type { PollReply } from '../protocol/schemas.js';
import type { LogEntry } from './effects.js';

export interface PollerInput {
  readonly freeSlots: number;
  readonly pollMillis: number;
  /** Tasks the gateway lets this worker hold (protocol/capacity.ts); default: no cap. */
  readonly capacity?: number;
}

export interface PollerContext {
  freeSlots: number;
  readonly pollMillis: number;
  /** How many the last poll asked for: a reply that size means more may be queued. */
  requested: number;
  /** How many the last poll returned. */
  received: number;
  errors: number;
  /** Consecutive `[]` replies (tasks queued, none for this worker yet). */
  queuedReplies: number;
  readonly capacity: number;
  /** `running_tasks` as the gateway last heard it. */
  gatewayRunning: number;
}

/** Retry after a `[]` reply: 10 ms doubling to 200 ms (capped by the poll interval), jittered. */
export const QUEUED_RETRY = { baseMillis: 10, maxMillis: 200 };

export type PollerEvent =
  | { type: 'slot.freed' }
  /** The gateway accepted a heartbeat with this load. */
  | { type: 'gateway.load'; runningTasks: number };

/** Events the poller sends to its parent. */
export type PollerToParent =
  | { type: 'assignments'; items: unknown[] }
  | { type: 'controlPlane.forgotWorker'; source: 'poller' }
  | { type: 'controlPlane.authFailed'; error: string };

export const pollerMachine = setup({
  types: {
    input: {} as PollerInput,
    context: {} as PollerContext,
    events: {} as PollerEvent,
  },
  actors: {
    poll: fromPromise<PollReply, { maxTasks: number }>(async () => {
      throw new Error('poll effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
    freeSlot: assign({ freeSlots: ({ context }) => context.freeSlots + 1 }),
  },
  guards: {
    noFreeSlot: ({ context }) => context.freeSlots <= 0,
    gatewaySeesFull: ({ context }) => context.gatewayRunning >= context.capacity,
  },
  delays: {
    pollInterval: ({ context }) => context.pollMillis,
    errorDelay: ({ context }) => backoffDelay({ baseMillis: context.pollMillis, maxMillis: Math.max(30_000, context.pollMillis) }, context.errors),
    queuedRetry: ({ context }) => backoffDelay({ baseMillis: QUEUED_RETRY.baseMillis, maxMillis: Math.min(QUEUED_RETRY.maxMillis, context.pollMillis) }, context.queuedReplies),
  },
}).createMachine({
  id: 'poller',
  initial: 'deciding',
  context: ({ input }) => ({
    freeSlots: input.freeSlots,
    pollMillis: input.pollMillis,
    requested: 0,
    received: 0,
    errors: 0,
    queuedReplies: 0,
    capacity: input.capacity ?? Number.POSITIVE_INFINITY,
    gatewayRunning: 0,
  }),
  on: {
    'slot.freed': { actions: 'freeSlot' },
    'gateway.load': { actions: assign({ gatewayRunning: ({ event }) => event.runningTasks }) },
  },
  states: {
    deciding: {
      always: [{ guard: 'noFreeSlot', target: 'full' }, { guard: 'gatewaySeesFull', target: 'awaitingHeartbeat' }, { target: 'polling' }],
    },
    awaitingHeartbeat: {
      // Left when the root handler records a heartbeat below the capacity.
      always: { guard: ({ context }) => context.gatewayRunning < context.capacity, target: 'deciding' },
    },
    polling: {
      entry: assign({ requested: ({ context }) => context.freeSlots }),
      invoke: {
        src: 'poll',
        input: ({ context }) => ({ maxTasks: context.freeSlots }),
        onDone: [
          {
            // The queue was empty: wait the poll interval (or for a freed slot).
            guard: ({ event }) => event.output === null,
            target: 'sleeping',
            actions: assign({ errors: 0, queuedReplies: 0 }),
          },
          {
            // Tasks are queued, none for us yet: ask again soon.
            guard: ({ event }) => event.output?.length === 0,
            target: 'queued',
            actions: assign({ errors: 0, queuedReplies: ({ context }) => context.queuedReplies + 1 }),
          },
          {
            target: 'handedOver',
            actions: [
              assign({
                freeSlots: ({ context, event }) => context.freeSlots - (event.output?.length ?? 0),
                received: ({ event }) => event.output?.length ?? 0,
                errors: 0,
                queuedReplies: 0,
              }),
              sendParent(({ event }) => ({ type: 'assignments', items: event.output ?? [] }) satisfies PollerToParent),
            ],
          },
        ],
        onError: [
          {
            guard: ({ event }) => isControlPlaneError(event.error) && event.error.kind === 'not-registered',
            target: 'sleeping',
            actions: sendParent({ type: 'controlPlane.forgotWorker', source: 'poller' } satisfies PollerToParent),
          },
          {
            guard: ({ event }) => isAuthFailure(event.error),
            target: 'sleeping',
            actions: sendParent(({ event }) => ({ type: 'controlPlane.authFailed', error: errorText(event.error) }) satisfies PollerToParent),
          },
          {
            target: 'backingOff',
            actions: [
              assign({ errors: ({ context }) => context.errors + 1 }),
              { type: 'log', params: ({ event, context }) => ({ level: 'warn', actor: 'poller', message: `poll failed: ${errorText(event.error)}`, fields: { consecutive_failures: context.errors } }) },
            ],
          },
        ],
      },
    },
    handedOver: {
      // A full batch: more may be queued, poll again at once. A short one is not an
      // empty queue either (that is null): the claim window held fewer ready tasks
      // than asked for. Ask again soon, as after [] (a freed slot wakes us earlier).
      always: [
        { guard: 'noFreeSlot', target: 'full' },
        { guard: ({ context }) => context.received >= context.requested, target: 'deciding' },
        { target: 'queued' },
      ],
    },
    sleeping: {
      on: { 'slot.freed': { target: 'deciding', actions: 'freeSlot' } },
      after: { pollInterval: 'deciding' },
    },
    queued: {
      on: { 'slot.freed': { target: 'deciding', actions: 'freeSlot' } },
      after: { queuedRetry: 'deciding' },
    },
    backingOff: {
      after: { errorDelay: 'deciding' },
    },
    full: {
      on: { 'slot.freed': { target: 'deciding', actions: 'freeSlot' } },
    },
  },
});
