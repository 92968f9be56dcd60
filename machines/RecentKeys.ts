/**
 * The keys of the last `limit` finished assignments, for the supervisor's
 * duplicate check: the same assignment delivered twice runs once.
 *
 * Why a mutable class in the machine's context: the copy-on-write array it
 * replaces copied (and scanned) 4,096 keys for every finished (and every new)
 * task, a measurable share of the main thread at hundreds of tasks per second.
 * Only the supervisor's own actions touch it, in event order, so the machine
 * stays deterministic; `toJSON` keeps snapshots (inspector, logs) small.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number) {}

  /** Remember a key; the oldest is forgotten beyond the limit. */
  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.limit) {
      const oldest = this.keys.values().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  toJSON(): { size: number; limit: number } {
    return { size: this.keys.size, limit: this.limit };
  }
}
