/**
 * Optional timing hooks of a worker, for benchmarks and profiling: told when
 * assignments arrive, when a task's execution starts and ends, and when a
 * report is handed to the reporter. Times are `performance.now()` ms. When no
 * observer is given nothing is wrapped: zero cost. It plugs into
 * createWorker through `instrument.effects`.
 */
import type { ExecutionResult, WorkerEffects } from '../machines/effects.js';
import type { Assignment, ReportRequest } from '../protocol/schemas.js';

export interface WorkerObserver {
  /** A poll returned these raw items (before validation). */
  readonly assignments?: (items: readonly unknown[], at: number) => void;
  readonly executeStart?: (assignment: Assignment, at: number) => void;
  readonly executeEnd?: (assignment: Assignment, result: ExecutionResult, at: number) => void;
  /** A report is handed to the reporter (delivery starts at once unless that task has one pending). */
  readonly report?: (report: ReportRequest, at: number) => void;
}

/** `effects` with the observer's hooks around poll, execute and report. */
export function observeEffects(effects: WorkerEffects, observer: WorkerObserver): WorkerEffects {
  return {
    ...effects,
    async poll(maxTasks, signal) {
      const items = await effects.poll(maxTasks, signal);
      observer.assignments?.(items ?? [], performance.now());
      return items;
    },
    async execute(assignment, signal) {
      observer.executeStart?.(assignment, performance.now());
      const result = await effects.execute(assignment, signal);
      observer.executeEnd?.(assignment, result, performance.now());
      return result;
    },
    report(report) {
      observer.report?.(report, performance.now());
      return effects.report(report);
    },
  };
}
