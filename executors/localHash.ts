/**
 * The reference worker's dependency-free text embedding (`local-hash-v1`), used
 * by the `embedding` executor (backend `local`) and by local `retrieval`.
 * Every step matches the Go original bit for bit on the same input: the
 * tokenizer, the hash over UTF-8 bytes, the weights and the normalisation.
 */
import { goToLower } from './goCompat.js';

/** The `model_version` of vectors made here. */
export const LOCAL_HASH_MODEL_VERSION = 'local-hash-v1';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `text`, as an unsigned integer.
 * @example fnv1a32('a') === 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8.encode(text)) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash >>> 0;
}

/**
 * Lower-cased runs of Unicode letters and decimal digits. "Digit" is Go's
 * `unicode.IsDigit`, i.e. category Nd only: `²`, `½` or `Ⅻ` (No, Nl) separate
 * tokens, as they do in the reference.
 */
export function tokenize(text: string): string[] {
  return goToLower(text).match(/[\p{L}\p{Nd}]+/gu) ?? [];
}

/**
 * Feature-hashed bag of words: each distinct token adds count/total at index
 * `fnv1a32(token) mod dimension`, then the vector is scaled to unit length.
 * A text without tokens gives the zero vector (not an error, as in the reference).
 */
export function localHashEmbedding(text: string, dimension: number): number[] {
  if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
  const vector = new Float64Array(dimension);
  const tokens = tokenize(text);
  if (tokens.length === 0) return Array.from(vector);
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  for (const [token, count] of counts) {
    const index = fnv1a32(token) % dimension;
    vector[index] = (vector[index] ?? 0) + count / tokens.length;
  }
  return normaliseL2(Array.from(vector));
}

/** Scale to unit Euclidean length; the zero vector stays as it is. */
export function normaliseL2(vector: number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  if (sum === 0) return vector;
  const norm = Math.sqrt(sum);
  return vector.map((x) => x / norm);
}
