/** Job and task ids become path segments: the unsafe ones are refused with a clear reason. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafeId, idProblem, jobIdProblem, MAX_ID_LENGTH } from '../../artifacts/ids.js';

describe('idProblem', () => {
  it.each([
    ['', 'is empty'],
    ['.', 'is a relative path'],
    ['..', 'is a relative path'],
    ['a/b', 'contains a path separator'],
    ['../../etc', 'contains a path separator'],
    ['a\\b', 'contains a path separator'],
    ['a\0b', 'contains a control character'],
    ['line\nbreak', 'contains a control character'],
    ['x'.repeat(MAX_ID_LENGTH + 1), `is longer than ${MAX_ID_LENGTH} characters`],
  ])('refuses %j: %s', (id, reason) => {
    expect(idProblem(id)).toBe(reason);
  });

  it.each(['job-1', 'task_2', 'a.b', '...', 'Ünïcode-id', 'x'.repeat(MAX_ID_LENGTH)])('accepts %j', (id) => {
    expect(idProblem(id)).toBeUndefined();
  });

  it('accepts only ids that are one plain path segment', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (id) => {
        if (idProblem(id) !== undefined) return;
        expect(id).not.toMatch(/[/\\\0]/);
        expect(['', '.', '..']).not.toContain(id);
        expect(id.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
      }),
    );
  });
});

describe('job ids', () => {
  it.each(['sandboxes', 'models', '.state', '.hidden'])('reserves %j for the worker', (id) => {
    expect(jobIdProblem(id)).toBe("is reserved for the worker's own files");
    expect(() => assertSafeId('job id', id)).toThrow(/^unsafe job id ".*": is reserved/);
    // As a task id (a second-level segment) the same name is harmless.
    expect(() => assertSafeId('task id', id)).not.toThrow();
  });

  it('throws a TaskError naming the kind of id and the reason', () => {
    expect(() => assertSafeId('task id', '../x')).toThrow(expect.objectContaining({ name: 'TaskError', message: 'unsafe task id "../x": contains a path separator' }));
  });
});
