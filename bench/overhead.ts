/**
 * Per-task overhead of the worker from its observer's timestamps: the time from
 * the assignment arriving (poll reply) to the final report being handed to the
 * reporter, minus the executor's own time. The rest is ours: the Running report
 * round trip, the machines, the hop into the pool thread and back, the artifact
 * write. Pure (test/bench/overhead.test.ts).
 */

/** Timestamps (performance.now() ms) of one task, as the observer saw them. */
export interface TaskTimes {
  received?: number;
  runningSent?: number;
  executeStart?: number;
  executeEnd?: number;
  executorMillis?: number;
  finalSent?: number;
}

/** Where one task's overhead went, in ms. */
export interface OverheadBreakdown {
  /** received -> final report handed over, minus the executor's time. */
  readonly overhead: number;
  /** received -> Running report handed over (parsing, machines). */
  readonly toRunning: number;
  /** Running handed over -> execution started (the Running report's round trip). */
  readonly runningRoundTrip: number;
  /** execution time minus executor time: pool hop, thread entry, artifact write, result back. */
  readonly pool: number;
  /** execution end -> final report handed over (machines). */
  readonly toFinal: number;
}

/** The breakdown of a task whose every timestamp is known, else undefined. */
export function breakdown(times: TaskTimes): OverheadBreakdown | undefined {
  const { received, runningSent, executeStart, executeEnd, executorMillis, finalSent } = times;
  if (received === undefined || runningSent === undefined || executeStart === undefined || executeEnd === undefined || executorMillis === undefined || finalSent === undefined) {
    return undefined;
  }
  return {
    overhead: finalSent - received - executorMillis,
    toRunning: runningSent - received,
    runningRoundTrip: executeStart - runningSent,
    pool: executeEnd - executeStart - executorMillis,
    toFinal: finalSent - executeEnd,
  };
}
