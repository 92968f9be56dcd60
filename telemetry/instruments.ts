/**
 * Counters, gauges and histograms with labels, rendered in the Prometheus text
 * format (telemetry/exposition.ts). A small replacement for prom-client, which
 * cost an idle worker ~2.5 MB of resident memory for the dozen metric families
 * it exposes (docs/operations.md lists them).
 *
 * A family may be given a `collect` callback: it runs just before each render,
 * so values that live elsewhere (a snapshot, a call count) are read only when
 * someone scrapes.
 */
import { headerLines, sampleLine, type Labels } from './exposition.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric family as a registry sees it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Refresh values read from elsewhere (run before each render). */
  collect(): void | Promise<void>;
  /** HELP, TYPE and sample lines. */
  render(): string[];
}

export interface FamilyOptions<M> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Called before each render with the family itself (set its values there). */
  readonly collect?: (metric: M) => void | Promise<void>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Values by label set, kept in the order the label sets first appeared. */
abstract class Family<M, V> implements MetricFamily {
  abstract readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: (readonly [string, string])[]; value: V }>();
  private readonly collector: ((metric: M) => void | Promise<void>) | undefined;

  constructor(options: FamilyOptions<M>, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`invalid metric name "${options.name}"`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || reserved.includes(label)) throw new Error(`invalid label name "${label}" for ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.collector = options.collect;
  }

  collect(): void | Promise<void> {
    return this.collector?.(this as unknown as M);
  }

  /** Forget every label set (collectors that rebuild their values call this first). */
  reset(): void {
    this.series.clear();
  }

  abstract render(): string[];

  /** The series of `labels`, created with `initial()` on first use; every declared label must be given, and no other. */
  protected entry(labels: Labels, initial: () => V): { labels: (readonly [string, string])[]; value: V } {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((label) => !this.labelNames.includes(label))) {
      throw new Error(`${this.name} takes labels [${this.labelNames.join(', ')}], got [${given.join(', ')}]`);
    }
    const pairs = this.labelNames.map((label) => [label, labels[label] ?? ''] as const);
    const key = JSON.stringify(pairs.map(([, value]) => value));
    let entry = this.series.get(key);
    if (entry === undefined) this.series.set(key, (entry = { labels: pairs, value: initial() }));
    return entry;
  }
}

/** A value that only goes up (or is reset by its collector). */
export class Counter extends Family<Counter, number> {
  readonly type = 'counter';

  constructor(options: FamilyOptions<Counter>) {
    super(options);
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter cannot decrease (inc by ${by})`);
    this.entry(labels, () => 0).value += by;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, this.type);
    // An unlabelled counter reads 0 before its first increment, as Prometheus clients do.
    if (this.labelNames.length === 0 && this.series.size === 0) lines.push(sampleLine(this.name, [], 0));
    for (const { labels, value } of this.series.values()) lines.push(sampleLine(this.name, labels, value));
    return lines;
  }
}

/** A value that is set. */
export class Gauge extends Family<Gauge, number> {
  readonly type = 'gauge';

  constructor(options: FamilyOptions<Gauge>) {
    super(options);
  }

  set(labels: Labels, value: number): void {
    this.entry(labels, () => 0).value = value;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, this.type);
    for (const { labels, value } of this.series.values()) lines.push(sampleLine(this.name, labels, value));
    return lines;
  }
}

interface HistogramValue {
  /** Observations per bucket (not cumulative), one more than there are bounds: the last is above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Family<Histogram, HistogramValue> {
  readonly type = 'histogram';
  /** Upper bounds, ascending, without +Inf. */
  readonly buckets: readonly number[];

  constructor(options: FamilyOptions<Histogram> & { readonly buckets: readonly number[] }) {
    super(options, ['le']);
    this.buckets = [...new Set(options.buckets)].sort((a, b) => a - b).filter((bound) => bound !== Infinity);
  }

  observe(labels: Labels, value: number): void {
    const entry = this.entry(labels, () => ({ counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    // Buckets are "less than or equal": a value on a bound belongs to that bound.
    let index = this.buckets.findIndex((bound) => value <= bound);
    if (index === -1) index = this.buckets.length;
    entry.value.counts[index] = (entry.value.counts[index] ?? 0) + 1;
    entry.value.sum += value;
    entry.value.count++;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, this.type);
    for (const { labels, value } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += value.counts[index] ?? 0;
        lines.push(sampleLine(`${this.name}_bucket`, [['le', String(bound)], ...labels], cumulative));
      });
      lines.push(sampleLine(`${this.name}_bucket`, [['le', '+Inf'], ...labels], value.count));
      lines.push(sampleLine(`${this.name}_sum`, labels, value.sum));
      lines.push(sampleLine(`${this.name}_count`, labels, value.count));
    }
    return lines;
  }
}
