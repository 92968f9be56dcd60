/**
 * Runs async calls one at a time per key; calls under different keys overlap
 * freely. The reporter uses it to keep the final reports of one job apart on
 * the wire (see Reporter: the gateway loses job updates otherwise).
 *
 * @example
 * ```ts
 * const lanes = new SerialPerKey();
 * await Promise.all([lanes.run('job-1', a), lanes.run('job-1', b), lanes.run('job-2', c)]);
 * // b starts after a has settled; c runs alongside a.
 * ```
 */
export class SerialPerKey {
  /** The tail of each key's lane: settles when the last call queued under it has settled. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Keys with a call running or waiting. */
  get busyKeys(): number {
    return this.#tails.size;
  }

  /** Calls `call` once every earlier call under `key` has settled; resolves or rejects as `call` does. */
  async run<T>(key: string, call: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.#tails.set(key, tail);
    try {
      if (previous !== undefined) await previous;
      return await call();
    } finally {
      release();
      // Forget the lane when nothing queued behind this call (the map must not grow with every job ever seen).
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
