/** The inventory watcher, on fake timers and a scripted inventory: no real waits. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelInventory } from '../../actors/modelInventory.js';
import { watchModelInventory, type ModelWatcher } from '../../actors/modelInventoryWatcher.js';

/** An inventory whose answer the test sets; records each listing's signal and can hold the next one. */
function scripted(initial: string[]) {
  let models = initial;
  let hold: Promise<void> | undefined;
  const signals: (AbortSignal | undefined)[] = [];
  const inventory: ModelInventory = {
    async list(signal) {
      signals.push(signal);
      const answer = models;
      const held = hold;
      hold = undefined;
      if (held !== undefined) await held;
      signal?.throwIfAborted();
      return answer;
    },
  };
  return {
    inventory,
    signals,
    set: (next: string[]) => {
      models = next;
    },
    /** The next listing (only that one) answers what it saw when it started, once the returned function is called. */
    hold: () => {
      let release = () => {};
      hold = new Promise<void>((done) => (release = done));
      return () => release();
    },
  };
}

let watcher: ModelWatcher | undefined;
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
  vi.useRealTimers();
});

describe('watchModelInventory', () => {
  it('re-lists every interval and calls onChange only when the set changes', async () => {
    const source = scripted(['a']);
    const changes: string[][] = [];
    watcher = watchModelInventory(source.inventory, { intervalMillis: 10_000, onChange: (models) => changes.push(models) });
    await expect(watcher.list()).resolves.toEqual(['a']);
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.signals).toHaveLength(3);
    expect(changes).toEqual([]);

    source.set(['a', 'b']);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toEqual([['a', 'b']]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(changes).toEqual([['a', 'b']]);

    source.set(['b']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(changes).toEqual([['a', 'b'], ['b']]);
  });

  it('takes what a registration listed as the reference: a change already registered does not fire again', async () => {
    const source = scripted(['a']);
    const changes: string[][] = [];
    watcher = watchModelInventory(source.inventory, { intervalMillis: 10_000, onChange: (models) => changes.push(models) });
    await watcher.list();
    // A task installed a model and the worker re-registered (listing through the watcher).
    source.set(['a', 'new']);
    await expect(watcher.list()).resolves.toEqual(['a', 'new']);
    await vi.advanceTimersByTimeAsync(50_000);
    expect(changes).toEqual([]);
  });

  it('before any registration listing, the first re-list only sets the reference', async () => {
    const source = scripted(['a']);
    const changes: string[][] = [];
    watcher = watchModelInventory(source.inventory, { intervalMillis: 1_000, onChange: (models) => changes.push(models) });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.signals).toHaveLength(1);
    expect(changes).toEqual([]);
    source.set([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(changes).toEqual([[]]);
  });

  it('drops a slow re-list that started before a newer registration listing', async () => {
    const source = scripted(['old']);
    const changes: string[][] = [];
    watcher = watchModelInventory(source.inventory, { intervalMillis: 1_000, onChange: (models) => changes.push(models) });
    await watcher.list();
    const release = source.hold();
    await vi.advanceTimersByTimeAsync(1_000); // a re-list starts and hangs; it will answer ['old']
    source.set(['new']);
    // Meanwhile the worker re-registers (a task installed a model): it lists ['new'].
    await expect(watcher.list()).resolves.toEqual(['new']);
    release();
    await vi.advanceTimersByTimeAsync(5_000);
    // The stale ['old'] was not reported, nor the flip back to ['new'] after it.
    expect(changes).toEqual([]);
  });

  it('does not overlap listings: the next starts an interval after the previous one ended', async () => {
    const source = scripted(['a']);
    watcher = watchModelInventory(source.inventory, { intervalMillis: 1_000, onChange: () => {} });
    const release = source.hold();
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.signals).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(999);
    expect(source.signals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.signals).toHaveLength(2);
  });

  it('stop ends the re-lists, abandons one in progress without calling onChange, and list() still works', async () => {
    const source = scripted(['a']);
    const changes: string[][] = [];
    watcher = watchModelInventory(source.inventory, { intervalMillis: 1_000, onChange: (models) => changes.push(models) });
    await watcher.list();
    source.set(['a', 'b']);
    const release = source.hold();
    await vi.advanceTimersByTimeAsync(1_000);
    watcher.stop();
    expect(source.signals[1]?.aborted).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.signals).toHaveLength(2);
    expect(changes).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await expect(watcher.list()).resolves.toEqual(['a', 'b']);
  });

  it('refuses an interval that is not a positive number', () => {
    const { inventory } = scripted([]);
    for (const intervalMillis of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => watchModelInventory(inventory, { intervalMillis, onChange: () => {} })).toThrow(RangeError);
    }
  });
});
