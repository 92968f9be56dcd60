/**
 * fast-check generators of what a hostile or broken control plane may send:
 * assignments with every field possibly missing, of the wrong type, empty,
 * huge, path-like or full of control characters.
 */
import fc from 'fast-check';

/** Ids that are fine, empty, blank, path-like, huge or odd. */
export const hostileId = fc.oneof(
  fc.constantFrom('t1', 'job-1', '', '   ', '../../etc/passwd', '/abs', 'a/b', '..', '.', 'nul\u0000byte', 'é✓🙂', 'CON', 'x'.repeat(5000)),
  fc.string({ maxLength: 40 }),
);

/** Values a JSON field may hold instead of the right type. */
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }));

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, wrongType), { nil: undefined, freq: 5 });

/** One raw assignment item, valid in some runs and broken in every way in others. */
export const hostileAssignment = fc
  .record(
    {
      job_id: maybe(hostileId),
      task_id: maybe(hostileId),
      type: maybe(fc.constantFrom('aggregation', 'embedding', 'tool_execution', 'no_such_type', '')),
      inputs: maybe(fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 30 }), wrongType), { maxKeys: 4 })),
      attempt: maybe(fc.oneof(fc.integer({ min: -3, max: 50 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER))),
      lease_id: maybe(hostileId),
      extra: fc.option(fc.jsonValue(), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((record) => JSON.parse(JSON.stringify(record)) as unknown);

/**
 * A well-formed assignment from a small id space, so that batches contain
 * duplicates (same job, task, attempt and lease) and near-duplicates.
 */
export const plausibleAssignment = fc
  .record({
    job_id: fc.constantFrom('j1', 'j2'),
    task_id: fc.constantFrom('t1', 't2', 't3', 't4'),
    type: fc.constant('aggregation'),
    inputs: fc.constant({}),
    attempt: fc.integer({ min: 1, max: 2 }),
  })
  .map((a) => ({ ...a, lease_id: `w1:${a.task_id}:${a.attempt}:1` }));
