/**
 * Counts of control-plane calls by operation and outcome, and when each
 * operation last succeeded (`/status` shows the last heartbeat). Fed by the
 * client's `around` hook: two map updates per call, nothing else.
 */
import type { Operation } from '../actors/classifyResponse.js';
import { isControlPlaneError } from '../base/ControlPlaneError.js';

/** `ok`, or the error kind (`transient`, `auth`, `not-registered`, ...), or `aborted`. */
export type CallOutcome = string;

export class ControlPlaneCallStats {
  private readonly byOperation = new Map<Operation, Map<CallOutcome, number>>();
  private readonly lastOk = new Map<Operation, number>();

  /** Run `call`, counting its outcome. */
  async around<T>(operation: Operation, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.count(operation, 'ok');
      this.lastOk.set(operation, Date.now());
      return result;
    } catch (error) {
      this.count(operation, isControlPlaneError(error) ? error.kind : 'aborted');
      throw error;
    }
  }

  /** Counts by operation, then outcome. */
  counts(): ReadonlyMap<Operation, ReadonlyMap<CallOutcome, number>> {
    return this.byOperation;
  }

  /** Failed calls of one operation (aborts excluded: shutting down is not an error). */
  errors(operation: Operation): number {
    let total = 0;
    for (const [outcome, n] of this.byOperation.get(operation) ?? []) if (outcome !== 'ok' && outcome !== 'aborted') total += n;
    return total;
  }

  /** Epoch millis of the last successful call of `operation`, if any. */
  lastSuccess(operation: Operation): number | undefined {
    return this.lastOk.get(operation);
  }

  private count(operation: Operation, outcome: CallOutcome): void {
    let outcomes = this.byOperation.get(operation);
    if (outcomes === undefined) this.byOperation.set(operation, (outcomes = new Map()));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
}
