/**
 * Registration: register with the control plane, retrying with capped
 * exponential backoff and jitter until accepted. An authentication failure
 * (401/403) is final: retrying cannot fix a wrong token.
 */
import { assign, fromPromise, setup } from 'xstate';
import { backoffDelay } from '../base/backoff.js';
import { isAuthFailure } from '../base/ControlPlaneError.js';
import { errorText } from '../base/errorText.js';
import type { RegisterResponse } from '../protocol/schemas.js';
import type { LogEntry } from './effects.js';

export type RegistrationOutput =
  | { readonly type: 'ok'; readonly heartbeatIntervalSeconds: number | undefined }
  | { readonly type: 'error'; readonly error: string };

export interface RegistrationInput {
  /**
   * Wait this long before the first attempt. The supervisor passes what is left
   * of one heartbeat interval since the last accepted registration, so a gateway
   * (or proxy) that answers 404 to every poll cannot turn the worker into a
   * register/poll busy loop.
   */
  readonly pauseMillis?: number;
}

export interface RegistrationContext {
  pauseMillis: number;
  attempt: number;
  lastError: string;
  reply: RegisterResponse | undefined;
}

/** Backoff of registration retries: 0.5 s doubling up to 30 s, jittered. */
export const REGISTRATION_BACKOFF = { baseMillis: 500, maxMillis: 30_000 };

export const registrationMachine = setup({
  types: {
    context: {} as RegistrationContext,
    input: {} as RegistrationInput | undefined,
    output: {} as RegistrationOutput,
  },
  actors: {
    register: fromPromise<RegisterResponse>(async () => {
      throw new Error('register effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
  },
  guards: {
    isAuthError: ({ event }) => isAuthFailure((event as { error?: unknown }).error),
  },
  delays: {
    retryDelay: ({ context }) => backoffDelay(REGISTRATION_BACKOFF, context.attempt),
    pause: ({ context }) => context.pauseMillis,
  },
}).createMachine({
  id: 'registration',
  initial: 'starting',
  context: ({ input }) => ({ pauseMillis: Math.max(0, input?.pauseMillis ?? 0), attempt: 0, lastError: '', reply: undefined }),
  states: {
    starting: {
      always: [{ guard: ({ context }) => context.pauseMillis > 0, target: 'pausing' }, { target: 'attempting' }],
    },
    pausing: { after: { pause: 'attempting' } },
    attempting: {
      entry: assign({ attempt: ({ context }) => context.attempt + 1 }),
      invoke: {
        src: 'register',
        onDone: [
          {
            guard: ({ event }) => event.output.accepted,
            target: 'accepted',
            actions: assign({ reply: ({ event }) => event.output }),
          },
          {
            target: 'waiting',
            actions: [
              assign({ lastError: 'registration not accepted by the control plane' }),
              { type: 'log', params: ({ context }) => ({ level: 'warn', actor: 'registration', message: 'registration not accepted; retrying', fields: { attempt: context.attempt } }) },
            ],
          },
        ],
        onError: [
          {
            guard: 'isAuthError',
            target: 'rejected',
            actions: assign({ lastError: ({ event }) => errorText(event.error) }),
          },
          {
            target: 'waiting',
            actions: [
              assign({ lastError: ({ event }) => errorText(event.error) }),
              {
                type: 'log',
                params: ({ context }) => ({ level: 'warn', actor: 'registration', message: `registration failed; retrying: ${context.lastError}`, fields: { attempt: context.attempt } }),
              },
            ],
          },
        ],
      },
    },
    waiting: { after: { retryDelay: 'attempting' } },
    accepted: { type: 'final' },
    rejected: { type: 'final' },
  },
  output: ({ context }) =>
    context.reply === undefined
      ? { type: 'error', error: context.lastError }
      : { type: 'ok', heartbeatIntervalSeconds: context.reply.heartbeat_interval_seconds ?? undefined },
});
