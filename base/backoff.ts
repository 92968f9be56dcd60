/**
 * Capped exponential backoff with full jitter: attempt n (from 1) waits a random
 * time in [base * 2^(n-1) / 2, base * 2^(n-1)], capped. Half-jitter keeps waits
 * growing (so a down control plane is not hammered) while spreading a fleet's
 * retries apart.
 */
export interface BackoffPolicy {
  readonly baseMillis: number;
  readonly maxMillis: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMillis, policy.baseMillis * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
