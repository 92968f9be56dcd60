/**
 * The supervisor machine with every effect provided. The daemon, the inspector
 * and other people's tests all build the worker through this one function; only
 * the effects differ.
 */
import { fromPromise } from 'xstate';
import type { HeartbeatLoad, LogEntry, WorkerEffects } from './effects.js';
import { heartbeatMachine } from './heartbeat.js';
import { pollerMachine } from './poller.js';
import { registrationMachine } from './registration.js';
import { supervisorMachine } from './supervisor.js';
import { taskMachine } from './task.js';
import type { Assignment, PollReply, ReportRequest } from '../protocol/schemas.js';

/** Overrides of the machines' named delays (milliseconds), e.g. for fast tests. */
export interface DelayOverrides {
  /** Wait before registration attempt n+1, given n. */
  readonly registrationRetry?: (attempt: number) => number;
}

export function createSupervisorLogic(effects: WorkerEffects, delays: DelayOverrides = {}) {
  const log = (_: unknown, entry: LogEntry) => effects.log(entry);
  const registration = registrationMachine.provide({
    actors: { register: fromPromise(({ signal }) => effects.register(signal)) },
    actions: { log },
    ...(delays.registrationRetry === undefined
      ? {}
      : { delays: { retryDelay: ({ context }: { context: { attempt: number } }) => delays.registrationRetry!(context.attempt) } }),
  });
  return supervisorMachine.provide({
    actors: {
      registration,
      heartbeat: heartbeatMachine.provide({
        actors: {
          sendHeartbeat: fromPromise<HeartbeatLoad, HeartbeatLoad>(async ({ input, signal }) => {
            await effects.heartbeat(input, signal);
            return input;
          }),
        },
        actions: { log },
      }),
      poller: pollerMachine.provide({
        actors: { poll: fromPromise<PollReply, { maxTasks: number }>(({ input, signal }) => effects.poll(input.maxTasks, signal)) },
        actions: { log },
      }),
      task: taskMachine.provide({
        actors: {
          report: fromPromise(({ input }: { input: ReportRequest }) => effects.report(input)),
          execute: fromPromise(({ input, signal }: { input: Assignment; signal: AbortSignal }) => effects.execute(input, signal)),
        },
        actions: { log },
      }),
      flushReports: fromPromise<number, number>(({ input }) => effects.flushReports(input)),
      farewell: fromPromise<void, { runningTasks: number }>(({ input, signal }) => effects.heartbeat({ runningTasks: input.runningTasks, queueDepth: 0, health: 'unhealthy' }, signal)),
    },
    actions: {
      log: (_, entry) => effects.log(entry as LogEntry),
      announceDraining: () => effects.announceDraining(),
    },
  });
}
