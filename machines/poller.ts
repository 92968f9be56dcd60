/**
 * Poller: asks for as many assignments as there are free slots, and only when a
 * slot is free. Work-conserving, unlike the reference worker: it polls again at
 * once when a batch came back full or a slot frees, and waits the poll interval
 * only when the control plane had nothing (the SPLAI API has no long poll).
 *
 * The poller keeps its own count of free slots: it subtracts what it handed to
 * the supervisor and adds what the supervisor reports freed (`slot.freed`), one
 * per assignment item, whatever became of it.
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import { backoffDelay } from '../actors/backoff.js';
import { isControlPlaneError } from '../actors/ControlPlaneError.js';
import type { LogEntry } from './effects.js';
import { errorText, isAuthFailure } from './registration.js';

export interface PollerInput {
  readonly freeSlots: number;
  readonly pollMillis: number;
}

export interface PollerContext {
  freeSlots: number;
  readonly pollMillis: number;
  /** How many the last poll asked for: a reply that size means more may be queued. */
  requested: number;
  /** How many the last poll returned. */
  received: number;
  errors: number;
}

export type PollerEvent = { type: 'slot.freed' };

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
    poll: fromPromise<unknown[], { maxTasks: number }>(async () => {
      throw new Error('poll effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
    freeSlot: assign({ freeSlots: ({ context }) => context.freeSlots + 1 }),
  },
  guards: {
    noFreeSlot: ({ context }) => context.freeSlots <= 0,
  },
  delays: {
    pollInterval: ({ context }) => context.pollMillis,
    errorDelay: ({ context }) => backoffDelay({ baseMillis: context.pollMillis, maxMillis: Math.max(30_000, context.pollMillis) }, context.errors),
  },
}).createMachine({
  id: 'poller',
  initial: 'deciding',
  context: ({ input }) => ({ freeSlots: input.freeSlots, pollMillis: input.pollMillis, requested: 0, received: 0, errors: 0 }),
  on: { 'slot.freed': { actions: 'freeSlot' } },
  states: {
    deciding: {
      always: [{ guard: 'noFreeSlot', target: 'full' }, { target: 'polling' }],
    },
    polling: {
      entry: assign({ requested: ({ context }) => context.freeSlots }),
      invoke: {
        src: 'poll',
        input: ({ context }) => ({ maxTasks: context.freeSlots }),
        onDone: [
          {
            // Nothing queued: wait the poll interval (or for a freed slot).
            guard: ({ event }) => event.output.length === 0,
            target: 'sleeping',
            actions: assign({ errors: 0 }),
          },
          {
            target: 'handedOver',
            actions: [
              assign({
                freeSlots: ({ context, event }) => context.freeSlots - event.output.length,
                received: ({ event }) => event.output.length,
                errors: 0,
              }),
              sendParent(({ event }) => ({ type: 'assignments', items: event.output }) satisfies PollerToParent),
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
      // A full batch means more may be queued: poll again at once. A partial one
      // means the queue is empty for now: wait (a freed slot wakes us earlier).
      always: [
        { guard: 'noFreeSlot', target: 'full' },
        { guard: ({ context }) => context.received >= context.requested, target: 'deciding' },
        { target: 'sleeping' },
      ],
    },
    sleeping: {
      on: { 'slot.freed': { target: 'deciding', actions: 'freeSlot' } },
      after: { pollInterval: 'deciding' },
    },
    backingOff: {
      after: { errorDelay: 'deciding' },
    },
    full: {
      on: { 'slot.freed': { target: 'deciding', actions: 'freeSlot' } },
    },
  },
});
