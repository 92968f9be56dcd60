/**
 * Fault injection: make the control plane misbehave on purpose, per endpoint,
 * reproducibly (seeded), so the worker's handling of a flaky gateway can be tested.
 *
 * Faults are decided here and carried out by each face: a stall waits before the
 * reply, a 5xx replies `{"error":"injected fault"}`, garbage replies 200 with a
 * non-JSON body, a reset destroys the socket (HTTP face) or is a network error
 * (MSW face). With `phase: 'after'` the request is processed first and only the
 * reply is lost: the case that makes idempotent reports necessary.
 *
 * A store failure is different: the request reaches the core, which fails the
 * way the gateway does when its store or queue returns an error, and the reply is
 * the one the gateway's handler gives then: 400 `<message>` on report (the same
 * status as a stale lease, though it is not permanent), 404 `<message>` on
 * heartbeat and poll (the same status as `worker not registered`), 500 on
 * register and job submission. Workers test their error classification with it.
 *
 * @example
 * ```ts
 * controlPlane.faults.set('report', { errorRate: 1, phase: 'after', times: 1 });
 * // the next report is applied, but the worker sees a 503 and must retry it
 * controlPlane.faults.set('report', { storeFailure: 'pq: connection refused', times: 1 });
 * // the next report is not applied: 400 {"error":"pq: connection refused"}
 * ```
 */
import { seededRandom, type Random } from './random.js';

/** Endpoints faults can target. */
export type Endpoint = 'register' | 'heartbeat' | 'assignments' | 'report' | 'jobs' | 'healthz';

export const endpoints: readonly Endpoint[] = ['register', 'heartbeat', 'assignments', 'report', 'jobs', 'healthz'];

/** How one endpoint misbehaves. Rates are probabilities in [0, 1]. */
export interface FaultSpec {
  /** Probability of a 5xx reply. */
  readonly errorRate?: number;
  /** Status of injected errors (default 503). */
  readonly errorStatus?: number;
  /** Probability of a 200 reply whose body is not JSON. */
  readonly garbageRate?: number;
  /** Probability of a connection reset (no reply at all). */
  readonly resetRate?: number;
  /** Delay before replying, in real milliseconds. */
  readonly stallMs?: number;
  /** Probability that a request is stalled (default 1 when `stallMs` is set). */
  readonly stallRate?: number;
  /** `before` (default): the request never reaches the core. `after`: it is processed, then the reply is replaced. */
  readonly phase?: 'before' | 'after';
  /**
   * Make the request fail inside the core as with a failing store, with this
   * message (see above). Checked after resets and errors; never combined with `phase`.
   */
  readonly storeFailure?: string;
  /** Probability of the store failure (default 1 when `storeFailure` is set). */
  readonly storeFailureRate?: number;
  /** Apply to the next N requests of the endpoint only, then remove the spec. */
  readonly times?: number;
}

/** What to do with one request. */
export interface FaultDecision {
  readonly stallMs: number;
  readonly outcome: 'none' | 'error' | 'garbage' | 'reset' | 'storeFailure';
  readonly status: number;
  readonly phase: 'before' | 'after';
  /** The store's error message, for `storeFailure`. */
  readonly message: string;
}

/** The garbage body: looks like a proxy's error page, which is what a worker meets in practice. */
export const GARBAGE_BODY = '<html><body>502 Bad Gateway</body></html>';

interface ActiveSpec {
  readonly spec: FaultSpec;
  remaining: number;
}

/** Injected fault counts, for assertions. */
export type FaultCounts = Record<'stall' | 'error' | 'garbage' | 'reset' | 'storeFailure', number>;

export class FaultInjector {
  #random: Random;
  readonly #specs = new Map<Endpoint, ActiveSpec>();
  /** How many faults of each kind were injected so far. */
  readonly injected: FaultCounts = { stall: 0, error: 0, garbage: 0, reset: 0, storeFailure: 0 };

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /** Restarts the random sequence, so a run can be replayed. */
  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** Sets (replaces) the faults of one, several or all (`'*'`) endpoints. */
  set(target: Endpoint | readonly Endpoint[] | '*', spec: FaultSpec): void {
    const list = target === '*' ? endpoints : typeof target === 'string' ? [target] : target;
    for (const endpoint of list) this.#specs.set(endpoint, { spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  /** Removes the faults of one endpoint, or of all. */
  clear(endpoint?: Endpoint): void {
    if (endpoint === undefined) this.#specs.clear();
    else this.#specs.delete(endpoint);
  }

  /** Whether any fault is configured (the fast path skips everything else). */
  get active(): boolean {
    return this.#specs.size > 0;
  }

  /** Decides the fate of one request to `endpoint`. Undefined: behave. */
  decide(endpoint: Endpoint): FaultDecision | undefined {
    const active = this.#specs.get(endpoint);
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.#specs.delete(endpoint);
    const { spec } = active;
    const stallMs = spec.stallMs !== undefined && this.#roll(spec.stallRate ?? 1) ? spec.stallMs : 0;
    if (stallMs > 0) this.injected.stall++;
    let outcome: FaultDecision['outcome'] = 'none';
    if (this.#roll(spec.resetRate)) outcome = 'reset';
    else if (this.#roll(spec.errorRate)) outcome = 'error';
    else if (this.#roll(spec.garbageRate)) outcome = 'garbage';
    else if (spec.storeFailure !== undefined && this.#roll(spec.storeFailureRate ?? 1)) outcome = 'storeFailure';
    if (outcome !== 'none') this.injected[outcome]++;
    return { stallMs, outcome, status: spec.errorStatus ?? 503, phase: spec.phase ?? 'before', message: spec.storeFailure ?? '' };
  }

  #roll(rate: number | undefined): boolean {
    if (rate === undefined || rate <= 0) return false;
    return this.#random() < rate;
  }
}
