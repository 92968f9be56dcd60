/**
 * The reference worker's `local` retrieval: metadata filtering, then a hybrid
 * score of 0.7 x cosine similarity of 128-dimension `local-hash-v1` vectors and
 * 0.3 x Jaccard similarity of the token sets.
 */
import { goEqualFold, goFormatValue } from './goCompat.js';
import { localHashEmbedding, tokenize } from './localHash.js';
import type { RetrievalDocument } from './retrievalInputs.js';

/** Dimension of the vectors local retrieval compares (fixed in the reference). */
export const LOCAL_RETRIEVAL_DIMENSION = 128;
/** Weight of the cosine similarity in the hybrid score. */
export const VECTOR_WEIGHT = 0.7;
/** Weight of the Jaccard similarity in the hybrid score. */
export const LEXICAL_WEIGHT = 0.3;

/** One ranked document, as it appears in the output's `documents`. */
export interface RetrievalHit {
  readonly id: string;
  readonly score: number;
  readonly vector_score: number;
  readonly lexical_score: number;
  readonly text: string;
  readonly metadata: Record<string, unknown>;
}

/**
 * The `topK` best documents for `query` among those matching `filters`, best
 * first. Equal scores keep the input order (the reference's sort is not
 * stable, so there any order of ties is possible; this one is deterministic).
 * A blank query or no documents gives no hits, not an error, as in the reference.
 */
export function rankLocally(query: string, documents: readonly RetrievalDocument[], filters: Readonly<Record<string, string>>, topK: number): RetrievalHit[] {
  const trimmed = query.trim();
  if (trimmed === '' || documents.length === 0) return [];
  const candidates = documents.filter((document) => matchesFilters(document.metadata, filters));
  const queryVector = localHashEmbedding(trimmed, LOCAL_RETRIEVAL_DIMENSION);
  const queryTokens = tokenize(trimmed);
  const hits = candidates.map((document): RetrievalHit => {
    const vectorScore = dot(queryVector, localHashEmbedding(document.text, LOCAL_RETRIEVAL_DIMENSION));
    const lexicalScore = jaccard(queryTokens, tokenize(document.text));
    return {
      id: document.id,
      score: VECTOR_WEIGHT * vectorScore + LEXICAL_WEIGHT * lexicalScore,
      vector_score: vectorScore,
      lexical_score: lexicalScore,
      text: document.text,
      metadata: document.metadata,
    };
  });
  // Array.prototype.sort is stable.
  return hits.sort((a, b) => b.score - a.score).slice(0, Math.max(topK, 0));
}

/**
 * A document matches when every filter key exists in its metadata and the
 * value, printed as Go's `%v` prints it and trimmed, equals the filter value
 * (trimmed) under simple case folding. So `{"tier": 2}` matches filter "2", and
 * `{"tier": 1000000}` matches "1e+06" (not "1000000"), as in the reference.
 */
export function matchesFilters(metadata: Readonly<Record<string, unknown>>, filters: Readonly<Record<string, string>>): boolean {
  return Object.entries(filters).every(
    ([key, want]) => Object.hasOwn(metadata, key) && goEqualFold(goFormatValue(metadata[key]).trim(), want.trim()),
  );
}

/** Cosine similarity of two unit (or zero) vectors: their dot product. */
export function dot(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** |A ∩ B| / |A ∪ B| of the token sets; 0 when either side has no tokens. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const left = new Set(a);
  const right = new Set(b);
  let shared = 0;
  for (const token of left) if (right.has(token)) shared++;
  return shared / (left.size + right.size - shared);
}
