/**
 * The reference worker's aggregation reduce: merge the fields of several
 * sources into one record, keeping every disagreement and where each field
 * came from.
 *
 * "The same value" means equal canonical JSON encodings (see canonicalJson):
 * for strings, booleans and null that is plain equality; numbers compare as
 * float64 (`1` equals `1.0`, `-0` does not equal `0`); `"1"` never equals `1`;
 * objects compare key by key whatever their key order; arrays element by
 * element in order. This is what the reference's comparison of `json.Marshal`
 * outputs amounts to.
 */
import { canonicalJson, compareCodePoints } from './goCompat.js';

/** One input of an aggregation: an inline item or a dependency's output document. */
export interface AggregationSource {
  readonly source_task_id: string;
  /** Only for dependency sources. */
  readonly artifact_uri?: string;
  /** `null` is possible (a `null` item or artifact) and contributes nothing. */
  readonly payload: Record<string, unknown> | null;
}

/** The `result` field of an aggregation output. */
export interface AggregationResult {
  readonly merged_fields: Record<string, unknown>;
  readonly conflicts: Record<string, unknown[]>;
  readonly highlights: string[];
}

/** At most this many highlights are kept (after sorting). */
export const MAX_HIGHLIGHTS = 12;

/** Keys that are plumbing, not data: dependency inputs and `_`-prefixed internals. */
export const isSystemKey = (key: string): boolean => key.startsWith('dep:') || key.startsWith('_');

/**
 * Reduce sources in order. For each source, keys in code-point order (Go's
 * sorted map keys), skipping system keys:
 * - the first value of a key wins into `merged_fields`;
 * - a later different value adds the winning value and itself to
 *   `conflicts[key]`, each value once, in first-seen order;
 * - `provenance[key]` lists, once each, every source that has the key (agreeing
 *   or not);
 * - every string value, trimmed, if non-empty, is a highlight candidate; the
 *   highlights are the unique candidates in code-point order, the first 12.
 *
 * Note that a dependency's payload is its whole output document, so fields
 * like `job_id`, `task_id`, `type` and `created_at` take part like any other,
 * exactly as in the reference.
 */
export function reduceSources(sources: readonly AggregationSource[]): { result: AggregationResult; provenance: Record<string, string[]> } {
  // Maps, not plain objects: a payload key such as "__proto__" must stay data.
  const merged = new Map<string, { value: unknown; encoded: string }>();
  const conflicts = new Map<string, Map<string, unknown>>();
  const provenance = new Map<string, string[]>();
  const highlights = new Set<string>();

  for (const source of sources) {
    const keys = Object.keys(source.payload ?? {}).sort(compareCodePoints);
    for (const key of keys) {
      if (isSystemKey(key)) continue;
      const value = (source.payload ?? {})[key];
      const encoded = canonicalJson(value);
      const first = merged.get(key);
      if (first === undefined) merged.set(key, { value, encoded });
      else if (first.encoded !== encoded) {
        let seen = conflicts.get(key);
        if (seen === undefined) conflicts.set(key, (seen = new Map()));
        if (!seen.has(first.encoded)) seen.set(first.encoded, first.value);
        if (!seen.has(encoded)) seen.set(encoded, value);
      }
      addUnique(provenance, key, source.source_task_id.trim());
      if (typeof value === 'string' && value.trim() !== '') highlights.add(value.trim());
    }
  }

  return {
    result: {
      merged_fields: Object.fromEntries([...merged].map(([key, { value }]) => [key, value])),
      conflicts: Object.fromEntries([...conflicts].map(([key, values]) => [key, [...values.values()]])),
      highlights: [...highlights].sort(compareCodePoints).slice(0, MAX_HIGHLIGHTS),
    },
    provenance: Object.fromEntries(provenance),
  };
}

function addUnique(lists: Map<string, string[]>, key: string, item: string): void {
  if (item === '') return;
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [item]);
  else if (!list.includes(item)) list.push(item);
}
