import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parseJsonAs } from '../../protocol/parseJsonAs.js';

const Schema = v.object({ op: v.literal('del'), id: v.string() });

describe('parseJsonAs', () => {
  it('returns the validated value', () => {
    expect(parseJsonAs(Schema, '{"op":"del","id":"a","extra":1}')).toEqual({ op: 'del', id: 'a' });
  });

  it('returns undefined for text that is not JSON, cut short, or of another shape', () => {
    for (const text of ['', 'not json', '{"op":"del","id":', '{"op":"put","id":"a"}', 'null']) expect(parseJsonAs(Schema, text), text).toBeUndefined();
  });
});
