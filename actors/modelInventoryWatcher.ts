/**
 * Notices when the models this worker can serve change outside its own tasks
 * (a model pulled into Ollama, a vLLM server restarted with another model, a
 * backend that comes back), so that the worker registers again with the new list.
 *
 * It re-lists every `intervalMillis` and calls `onChange` only when the set
 * differs from the last one seen. The registration lists through `list()` of the
 * watcher, so what the gateway was last told is the reference: a model installed
 * by a task (which re-registers by itself) does not trigger a second
 * registration. Until the first `list()`, the first re-list only sets that
 * reference and calls nothing. Timers are the global ones, unref'd: the watcher never keeps the
 * process alive.
 */
import type { ModelInventory } from './modelInventory.js';

export interface ModelWatcherOptions {
  /** Time between the end of one listing and the start of the next. */
  readonly intervalMillis: number;
  /** The set changed; `models` is the new list (sorted, as the inventory returns it). */
  readonly onChange: (models: string[]) => void;
}

export interface ModelWatcher {
  /**
   * List now (for a registration) and remember the result as what the gateway
   * knows. Rejects only when `signal` aborts. Works after stop() too.
   */
  list(signal?: AbortSignal): Promise<string[]>;
  /** No more listings or calls of onChange; a listing in progress is abandoned. */
  stop(): void;
}

/**
 * Watch `inventory`.
 * @throws RangeError when `intervalMillis` is not a positive number.
 * @example
 * const watcher = watchModelInventory(inventory, { intervalMillis: 60_000, onChange: () => actor.send({ type: 'models.changed' }) });
 * // registration: const models = await watcher.list(signal);
 * // shutdown: watcher.stop();
 */
export function watchModelInventory(inventory: ModelInventory, options: ModelWatcherOptions): ModelWatcher {
  if (!(Number.isFinite(options.intervalMillis) && options.intervalMillis > 0)) throw new RangeError(`intervalMillis must be a positive number of milliseconds, got ${options.intervalMillis}`);
  const stopped = new AbortController();
  let known: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Listings are numbered when they start: one that started before the last
  // remembered one is older news and is dropped (a slow re-list must not undo
  // what a registration just listed).
  let started = 0;
  let rememberedFrom = 0;

  /** Remember the result of listing number `seq`; true when it is newer and changed the set. */
  const remember = (seq: number, models: string[]): boolean => {
    if (seq < rememberedFrom) return false;
    rememberedFrom = seq;
    const key = JSON.stringify(models);
    const changed = known !== undefined && key !== known;
    known = key;
    return changed;
  };

  const tick = async (): Promise<void> => {
    timer = undefined;
    const seq = ++started;
    try {
      const models = await inventory.list(stopped.signal);
      if (!stopped.signal.aborted && remember(seq, models)) options.onChange(models);
    } catch {
      // Only an abort (stop) rejects a listing; stop ends the loop below.
    }
    schedule();
  };

  const schedule = (): void => {
    if (stopped.signal.aborted) return;
    timer = setTimeout(() => void tick(), options.intervalMillis);
    timer.unref?.();
  };

  schedule();
  return {
    async list(signal) {
      const seq = ++started;
      const models = await inventory.list(signal);
      remember(seq, models);
      return models;
    },
    stop() {
      stopped.abort(new Error('model watcher stopped'));
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
