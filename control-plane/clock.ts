/**
 * Time source of the development control plane.
 *
 * Every lease, backoff and expiry is computed from `now()`, never from `Date.now()`
 * directly, so tests can move time forward with a {@link ManualClock} instead of
 * sleeping (the protocol's 15 s leases and 32 s backoffs would make real waits
 * impossible in a unit test).
 */

/** A source of wall-clock time in milliseconds since the Unix epoch (may be fractional). */
export interface Clock {
  now(): number;
}

/**
 * The real clock. `performance.timeOrigin + performance.now()` gives sub-millisecond
 * precision, which keeps lease ids (unix nanoseconds of the lease start) distinct
 * for leases granted within the same millisecond.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
};

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.UTC(2026, 0, 1));
 * const controlPlane = new ControlPlane({ clock });
 * clock.advance(16_000); // the 15 s lease of every unextended task has now expired
 * ```
 */
export class ManualClock implements Clock {
  #now: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` (negative values are refused: time never goes back). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    this.#now += ms;
  }

  /** Jumps to an absolute time, forward only. */
  set(ms: number): void {
    if (!(ms >= this.#now)) throw new RangeError('ManualClock.set: time cannot go back');
    this.#now = ms;
  }
}

/**
 * Unix nanoseconds of a millisecond timestamp, as decimal text (the Go gateway
 * formats `time.UnixNano()` into lease ids). Done in BigInt because nanoseconds
 * since 1970 exceed the 2^53 integer range of a double.
 */
export function unixNanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1_000_000);
  return (BigInt(whole) * 1_000_000n + BigInt(fraction)).toString();
}
