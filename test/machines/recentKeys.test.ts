import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../../machines/RecentKeys.js';

describe('RecentKeys', () => {
  it('remembers the last `limit` keys and forgets the oldest first', () => {
    const recent = new RecentKeys(3);
    for (const key of ['a', 'b', 'c', 'd']) recent.add(key);
    expect(['a', 'b', 'c', 'd'].map((k) => recent.has(k))).toEqual([false, true, true, true]);
    expect(recent.size).toBe(3);
  });

  it('counts a key seen again as recent again', () => {
    const recent = new RecentKeys(2);
    recent.add('a');
    recent.add('b');
    recent.add('a'); // a is now the newest: b goes first
    recent.add('c');
    expect([recent.has('a'), recent.has('b'), recent.has('c')]).toEqual([true, false, true]);
  });

  it('serialises to its size, not its keys (snapshots stay small)', () => {
    const recent = new RecentKeys(10);
    recent.add('job/task');
    expect(JSON.stringify({ recent })).toBe('{"recent":{"size":1,"limit":10}}');
  });
});
