/**
 * Seedable pseudo-random numbers for fault injection.
 *
 * Fault tests must be reproducible: with the same seed the same requests fail.
 * mulberry32 is tiny, fast and good enough for "fail 30% of polls".
 */

/** Returns a function yielding floats in [0, 1). */
export type Random = () => number;

/** A deterministic generator for a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
