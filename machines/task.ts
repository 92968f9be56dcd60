/**
 * One task, from assignment to final report:
 * report `Running` -> execute in the pool -> report `Completed` or `Failed`.
 *
 * - A malformed but identifiable assignment skips straight to a `Failed` report
 *   naming the bad field.
 * - If the control plane refuses the `Running` report for good (stale lease, job
 *   gone, or the token), the task is abandoned without running: nobody wants
 *   its result, or it could not be delivered.
 * - `abort` (drain deadline, shutdown) stops the execution, whose signal kills the
 *   work in the pool, and reports `Failed` with the reason, so the scheduler
 *   retries it at once. A failed task is never re-run here: retries belong to the
 *   scheduler.
 * - `supersede`: the gateway gave this same task to this worker again, with a
 *   higher attempt (it re-queued it while it ran: pre-emption, or the lease ran
 *   out while the `Running` report was on its way). The task adopts the new
 *   attempt instead of running a second time: its reports from then on carry
 *   the new lease and keys (a `Running` for it first), so the gateway accepts
 *   them; reports of the old attempt are stale or harmless.
 * It always ends in a final state whose output the supervisor routes.
 */
import { assign, fromPromise, setup, spawnChild } from 'xstate';
import { errorText } from '../base/errorText.js';
import { finalKey, runningKey } from '../protocol/keys.js';
import type { Assignment, ReportRequest } from '../protocol/schemas.js';
import type { ExecutionResult, LogEntry, ReportOutcome } from './effects.js';

/** The task's identity; `assignment` is absent when the assignment was malformed. */
export interface TaskInput {
  readonly workerId: string;
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  readonly attempt: number;
  readonly leaseId: string;
  readonly assignment?: Assignment;
  /** Why the assignment was refused, when it was. */
  readonly invalid?: string;
}

export type TaskStatusOutcome = 'Completed' | 'Failed' | 'Abandoned';

export interface TaskOutput {
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  readonly attempt: number;
  readonly status: TaskStatusOutcome;
  readonly error: string;
  readonly uri: string;
  readonly durationMillis: number;
  readonly executorMillis: number;
  readonly modelInstalled: string | undefined;
}

export interface TaskContext extends Omit<TaskInput, 'attempt' | 'leaseId'> {
  /** The attempt the reports are for: the assignment's, or a later one adopted (`supersede`). */
  attempt: number;
  leaseId: string;
  /** A later attempt that arrived while a report of the current one was on its way. */
  pending: Attempt | undefined;
  status: TaskStatusOutcome;
  error: string;
  uri: string;
  durationMillis: number;
  executorMillis: number;
  modelInstalled: string | undefined;
}

/** A later attempt of the same task, handed to this worker while the task runs. */
export interface Attempt {
  readonly attempt: number;
  readonly leaseId: string;
}

export type TaskEvent =
  | { type: 'abort'; reason: string }
  | ({ type: 'supersede' } & Attempt)
  /** The Running report of an attempt adopted while executing has settled. */
  | { type: 'xstate.done.actor.runningAgain'; output: ReportOutcome };

function reportOf(context: TaskContext, status: 'Running' | 'Completed' | 'Failed'): ReportRequest {
  const key = status === 'Running' ? runningKey : finalKey;
  return {
    worker_id: context.workerId,
    job_id: context.jobId,
    task_id: context.taskId,
    lease_id: context.leaseId,
    idempotency_key: key(context.workerId, context.jobId, context.taskId, context.attempt),
    status,
    output_artifact_uri: status === 'Completed' ? context.uri : '',
    error: status === 'Failed' ? context.error : '',
    duration_millis: status === 'Running' ? 0 : Math.max(0, Math.round(context.durationMillis)),
  };
}

const taskFields = (context: TaskContext) => ({ job_id: context.jobId, task_id: context.taskId, attempt: context.attempt, type: context.type });

export const taskMachine = setup({
  types: {
    input: {} as TaskInput,
    context: {} as TaskContext,
    events: {} as TaskEvent,
    output: {} as TaskOutput,
  },
  actors: {
    report: fromPromise<ReportOutcome, ReportRequest>(async () => {
      throw new Error('report effect not provided');
    }),
    execute: fromPromise<ExecutionResult, Assignment>(async () => {
      throw new Error('execute effect not provided');
    }),
  },
  actions: {
    log: (_, _entry: LogEntry) => undefined,
    /** Remember a later attempt; it is adopted once the report on its way settles. */
    holdAttempt: assign({ pending: ({ context, event }) => (event.type === 'supersede' && event.attempt > context.attempt ? { attempt: event.attempt, leaseId: event.leaseId } : context.pending) }),
    /** Take the later attempt as this task's identity. */
    adoptAttempt: assign(({ context, event }) => {
      const next = event.type === 'supersede' ? { attempt: event.attempt, leaseId: event.leaseId } : context.pending;
      return next === undefined || next.attempt <= context.attempt ? {} : { attempt: next.attempt, leaseId: next.leaseId, pending: undefined };
    }),
  },
  guards: {
    hasPending: ({ context }) => context.pending !== undefined,
    isLater: ({ context, event }) => event.type === 'supersede' && event.attempt > context.attempt,
  },
}).createMachine({
  id: 'task',
  initial: 'starting',
  context: ({ input }) => ({ ...input, pending: undefined, status: 'Failed', error: input.invalid ?? '', uri: '', durationMillis: 0, executorMillis: 0, modelInstalled: undefined }),
  states: {
    starting: {
      always: [
        {
          guard: ({ context }) => context.assignment === undefined,
          target: 'reportingResult',
          actions: [
            assign({ status: 'Failed' }),
            { type: 'log', params: ({ context }) => ({ level: 'warn', actor: 'task', message: `refusing assignment: ${context.error}`, fields: taskFields(context) }) },
          ],
        },
        { target: 'reportingRunning' },
      ],
    },
    reportingRunning: {
      on: {
        abort: { target: 'reportingResult', actions: assign({ status: 'Failed', error: ({ event }) => event.reason }) },
        supersede: { actions: 'holdAttempt' },
      },
      invoke: {
        src: 'report',
        input: ({ context }) => reportOf(context, 'Running'),
        onDone: [
          {
            // The token was refused: no report of this worker gets through; never run it.
            guard: ({ event }) => event.output === 'refused',
            target: 'abandoned',
            actions: { type: 'log', params: ({ context }) => ({ level: 'warn', actor: 'task', message: 'control plane refused the token; not running the task', fields: taskFields(context) }) },
          },
          {
            // A later attempt of this task is ours now: report Running for it (the old one may be stale).
            guard: 'hasPending',
            target: 'reportingRunning',
            reenter: true,
            actions: ['adoptAttempt', { type: 'log', params: ({ context }) => ({ level: 'info', actor: 'task', message: 'the control plane gave this task again with a later attempt: adopting it', fields: taskFields(context) }) }],
          },
          {
            // Not wanted (stale lease, job gone, rejected): never run it.
            guard: ({ event }) => event.output === 'stale-lease' || event.output === 'job-gone' || event.output === 'rejected',
            target: 'abandoned',
            actions: { type: 'log', params: ({ context, event }) => ({ level: 'warn', actor: 'task', message: `control plane refused the Running report (${event.output}); not running the task`, fields: taskFields(context) }) },
          },
          { target: 'executing' },
        ],
        // The reporter does not throw for delivery problems; a store failure lands here.
        onError: { target: 'executing', actions: { type: 'log', params: ({ context, event }) => ({ level: 'error', actor: 'task', message: `could not queue the Running report: ${errorText(event.error)}`, fields: taskFields(context) }) } },
      },
    },
    executing: {
      entry: { type: 'log', params: ({ context }) => ({ level: 'debug', actor: 'task', message: 'running', fields: taskFields(context) }) },
      on: {
        // Leaving this state stops the execute actor, whose signal aborts the work.
        abort: { target: 'reportingResult', actions: assign({ status: 'Failed', error: ({ event }) => event.reason }) },
        // The work goes on; the gateway hears Running for the new attempt (the reporter keeps per-task order).
        supersede: {
          guard: 'isLater',
          actions: [
            'adoptAttempt',
            { type: 'log', params: ({ context }) => ({ level: 'info', actor: 'task', message: 'the control plane gave this task again with a later attempt: adopting it, still running', fields: taskFields(context) }) },
            spawnChild('report', { id: 'runningAgain', input: ({ context }) => reportOf(context, 'Running') }),
          ],
        },
        // The adopted attempt is not wanted either (leased elsewhere, job gone, refused):
        // nothing this task could report would be accepted. Stop the work.
        'xstate.done.actor.runningAgain': {
          guard: ({ event }) => event.output === 'stale-lease' || event.output === 'job-gone' || event.output === 'rejected' || event.output === 'refused',
          target: 'abandoned',
          actions: { type: 'log', params: ({ context, event }) => ({ level: 'warn', actor: 'task', message: `control plane refused the Running report of the adopted attempt (${event.output}); stopping the task`, fields: taskFields(context) }) },
        },
      },
      invoke: {
        src: 'execute',
        // The attempt the gateway knows now: a later one may have been adopted before the start.
        input: ({ context }) => ({ ...context.assignment!, attempt: context.attempt, lease_id: context.leaseId }),
        onDone: {
          target: 'reportingResult',
          actions: assign(({ event }) => {
            const result = event.output;
            return result.ok
              ? { status: 'Completed' as const, uri: result.uri, error: '', durationMillis: result.durationMillis, executorMillis: result.executorMillis, modelInstalled: result.modelInstalled }
              : { status: 'Failed' as const, error: result.error, durationMillis: result.durationMillis, executorMillis: result.executorMillis };
          }),
        },
        onError: {
          target: 'reportingResult',
          actions: assign({ status: 'Failed', error: ({ event }) => `task execution failed: ${errorText(event.error)}` }),
        },
      },
    },
    reportingResult: {
      on: { supersede: { actions: 'holdAttempt' } },
      entry: {
        type: 'log',
        params: ({ context }) =>
          context.status === 'Completed'
            ? { level: 'info', actor: 'task', message: 'completed', fields: { ...taskFields(context), duration_ms: context.durationMillis, uri: context.uri } }
            : { level: 'warn', actor: 'task', message: `failed: ${context.error}`, fields: { ...taskFields(context), duration_ms: context.durationMillis } },
      },
      invoke: {
        src: 'report',
        input: ({ context }) => reportOf(context, context.status === 'Completed' ? 'Completed' : 'Failed'),
        onDone: [
          // The result is known; the later attempt only needs its own report of it.
          { guard: 'hasPending', target: 'reportingResult', reenter: true, actions: 'adoptAttempt' },
          { target: 'done' },
        ],
        onError: {
          target: 'done',
          actions: { type: 'log', params: ({ context, event }) => ({ level: 'error', actor: 'task', message: `could not queue the final report: ${errorText(event.error)}`, fields: taskFields(context) }) },
        },
      },
    },
    abandoned: {
      type: 'final',
      entry: assign({ status: 'Abandoned' }),
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    jobId: context.jobId,
    taskId: context.taskId,
    type: context.type,
    attempt: context.attempt,
    status: context.status,
    error: context.error,
    uri: context.uri,
    durationMillis: context.durationMillis,
    executorMillis: context.executorMillis,
    modelInstalled: context.modelInstalled,
  }),
});
