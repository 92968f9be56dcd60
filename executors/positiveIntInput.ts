import { firstOf, type Inputs } from '../protocol/inputs.js';
import { TaskError } from '../base/TaskError.js';

/**
 * A count-like input (`top_k`, `embedding_dimension`): the first non-empty of
 * `keys`, read as Go's `strconv.Atoi` reads it (optional sign, decimal digits).
 *
 * Parity: empty, zero or negative means "use the default", as in the reference.
 * Beyond it: text that is not an integer (`"ten"`, `"5.5"`) or a value above
 * `max` is a TaskError naming the input. The reference silently used the
 * default, which turns a caller's typo into a quietly different result; and an
 * unbounded size would let one task allocate without limit.
 */
export function positiveIntInput(inputs: Inputs, keys: readonly string[], fallback: number, max: number): number {
  const raw = firstOf(inputs, ...keys);
  if (raw === '') return fallback;
  const key = keys.find((k) => inputs[k]?.trim() === raw) ?? keys[0] ?? 'input';
  if (!/^[+-]?\d+$/.test(raw)) throw new TaskError(`input ${key} must be an integer, got ${JSON.stringify(raw.slice(0, 80))}`);
  const value = Number(raw);
  if (value <= 0) return fallback;
  if (value > max) throw new TaskError(`input ${key} must be at most ${max}, got ${raw}`);
  return value;
}
