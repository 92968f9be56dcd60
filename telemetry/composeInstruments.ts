/**
 * Combine several instruments (metrics, tracing, your own) into the one
 * `instrument` option of createWorker. The first one given is the outermost:
 * its `around` sees the whole call, including the time the others add.
 */
import type { Operation } from '../actors/classifyResponse.js';
import type { WorkerEffects } from '../machines/effects.js';
import type { WorkerInstrument } from './instrument.js';

export function composeInstruments(...parts: readonly (WorkerInstrument | undefined)[]): WorkerInstrument {
  const present = parts.filter((part): part is WorkerInstrument => part !== undefined);
  const arounds = present.flatMap((part) => (part.around === undefined ? [] : [part.around]));
  const wrappers = present.flatMap((part) => (part.effects === undefined ? [] : [part.effects]));
  const around =
    arounds.length === 0
      ? undefined
      : <T>(operation: Operation, call: () => Promise<T>): Promise<T> =>
          arounds.reduceRight<() => Promise<T>>((next, wrap) => () => wrap(operation, next), call)();
  const effects = wrappers.length === 0 ? undefined : (inner: WorkerEffects) => wrappers.reduceRight((wrapped, wrap) => wrap(wrapped), inner);
  return { ...(around === undefined ? {} : { around }), ...(effects === undefined ? {} : { effects }) };
}
