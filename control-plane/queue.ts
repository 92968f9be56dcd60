/**
 * The scheduler's queue of task references, as the gateway's in-memory queue
 * (internal/state/memory_queue.go) keeps it.
 *
 * - It is a plain FIFO of references, **duplicates allowed**: nothing stops the
 *   same task from being enqueued many times, and the gateway enqueues often
 *   (every ready task again after each `Completed` report, see reports.ts).
 * - A poll claims a window from the front; what it cannot assign goes back to the
 *   end, in the poll's order (the gateway's Nack "not_ready"). A reference whose
 *   task ended is therefore never dropped: it keeps circulating. That is why,
 *   late in a big job, a poll can see only stale references and answer `[]`
 *   while work is still queued further back.
 *
 * A ring buffer, not an array with `shift()`: claims and appends are O(1) per
 * reference whatever the length, which matters when a long job has left
 * millions of stale references behind.
 *
 * Left out (recorded, not imitated): the queue's in-flight claims with a
 * visibility timeout (the gateway acks or nacks every claim inside the same
 * poll, so none is ever left to time out), and the dead-letter list that a ref
 * reaches after five "error" nacks (an "error" nack needs a store failure in the
 * middle of a poll, which this control plane does not produce).
 */
export class RefQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#items = new Array<T | undefined>(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  /** Appends one reference at the end. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
  }

  /** Removes and returns up to `max` references from the front (the gateway's Claim). */
  claim(max: number): T[] {
    const n = Math.min(Math.max(0, max), this.#length);
    const out = new Array<T>(n);
    const size = this.#items.length;
    for (let i = 0; i < n; i++) {
      out[i] = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % size;
    }
    this.#length -= n;
    if (this.#length === 0) this.#head = 0;
    return out;
  }

  /** Every reference, front first (a copy, for tests and views). */
  toArray(): T[] {
    const out = new Array<T>(this.#length);
    for (let i = 0; i < this.#length; i++) out[i] = this.#items[(this.#head + i) % this.#items.length] as T;
    return out;
  }

  clear(): void {
    this.#items = new Array<T | undefined>(64);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const next = new Array<T | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }
}
