/**
 * The worker's own Prometheus exposition (telemetry/exposition.ts,
 * instruments.ts, metricRegistry.ts, processMetrics.ts): the text format 0.0.4
 * as a scraper parses it.
 */
import { describe, expect, it } from 'vitest';
import { EXPOSITION_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatValue, sampleLine } from '../../telemetry/exposition.js';
import { Counter, Gauge, Histogram } from '../../telemetry/instruments.js';
import { MetricRegistry } from '../../telemetry/metricRegistry.js';
import { PROCESS_METRIC_NAMES, registerProcessMetrics } from '../../telemetry/processMetrics.js';

/** Sample lines as the Prometheus text parser reads them: name, labels (values unescaped), value. */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  expect(text.endsWith('\n')).toBe(true);
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const pairs = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    for (const pair of (match[2] ?? '').matchAll(pairs)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const raw = match[3]!;
    samples.push({ name: match[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

describe('the text format', () => {
  it('escapes backslash, double quote and line feed in label values, and backslash and line feed in help', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
    expect(sampleLine('m', [['path', 'C:\\x "y"\n']], 1)).toBe('m{path="C:\\\\x \\"y\\"\\n"} 1');
  });

  it('writes the special values as Go parses them', () => {
    expect([Infinity, -Infinity, NaN, 0.25, 3].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0.25', '3']);
  });

  it('round-trips any label value through a parser', async () => {
    const registry = new MetricRegistry();
    const gauge = registry.register(new Gauge({ name: 'g', help: 'h', labelNames: ['v'] }));
    const odd = 'quote " backslash \\ newline \n end \\n';
    gauge.set({ v: odd }, 1);
    expect(parse(await registry.render())).toEqual([{ name: 'g', labels: { v: odd }, value: 1 }]);
  });
});

describe('metric families', () => {
  it('render HELP and TYPE lines, and an unlabelled counter reads 0 before its first increment', async () => {
    const registry = new MetricRegistry();
    const counter = registry.register(new Counter({ name: 'jobs_total', help: 'Jobs.\nSecond line.' }));
    registry.register(new Gauge({ name: 'empty', help: 'No series yet.', labelNames: ['x'] }));
    expect(await registry.render()).toBe('# HELP jobs_total Jobs.\\nSecond line.\n# TYPE jobs_total counter\njobs_total 0\n# HELP empty No series yet.\n# TYPE empty gauge\n');
    counter.inc();
    counter.inc({}, 2.5);
    expect(parse(await registry.render())).toEqual([{ name: 'jobs_total', labels: {}, value: 3.5 }]);
  });

  it('keep one series per label set, labels in declared order', async () => {
    const registry = new MetricRegistry();
    const counter = registry.register(new Counter({ name: 'calls_total', help: 'h', labelNames: ['op', 'outcome'] }));
    counter.inc({ outcome: 'ok', op: 'poll' });
    counter.inc({ op: 'poll', outcome: 'ok' }, 2);
    counter.inc({ op: 'poll', outcome: 'transient' });
    const text = await registry.render();
    expect(text).toContain('calls_total{op="poll",outcome="ok"} 3\n');
    expect(text).toContain('calls_total{op="poll",outcome="transient"} 1\n');
  });

  it('refuse what a scraper would reject or misread', () => {
    const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['type'] });
    expect(() => counter.inc({ type: 'a' }, -1)).toThrow(/cannot decrease/);
    expect(() => counter.inc({})).toThrow(/takes labels \[type\]/);
    expect(() => counter.inc({ type: 'a', other: 'b' })).toThrow(/takes labels/);
    expect(() => new Counter({ name: 'bad-name', help: 'h' })).toThrow(/invalid metric name/);
    expect(() => new Gauge({ name: 'g', help: 'h', labelNames: ['__reserved'] })).toThrow(/invalid label name/);
    expect(() => new Histogram({ name: 'h', help: 'h', labelNames: ['le'], buckets: [1] })).toThrow(/invalid label name/);
    const registry = new MetricRegistry();
    registry.register(new Gauge({ name: 'g', help: 'h' }));
    expect(() => registry.register(new Gauge({ name: 'g', help: 'h' }))).toThrow(/already registered/);
  });

  it('histograms: cumulative buckets with le first, a value on a bound counts in that bucket, then +Inf, _sum and _count', async () => {
    const registry = new MetricRegistry();
    const histogram = registry.register(new Histogram({ name: 'd_seconds', help: 'h', labelNames: ['type'], buckets: [1, 0.5, 2] }));
    for (const value of [0.1, 0.5, 1.5, 7]) histogram.observe({ type: 'a' }, value);
    expect(await registry.render()).toBe(
      [
        '# HELP d_seconds h',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{le="0.5",type="a"} 2',
        'd_seconds_bucket{le="1",type="a"} 2',
        'd_seconds_bucket{le="2",type="a"} 3',
        'd_seconds_bucket{le="+Inf",type="a"} 4',
        'd_seconds_sum{type="a"} 9.1',
        'd_seconds_count{type="a"} 4',
        '',
      ].join('\n'),
    );
  });

  it('run collectors (async ones too) before rendering, and reset drops stale label sets', async () => {
    let level = 'bwrap';
    const registry = new MetricRegistry();
    registry.register(
      new Gauge({
        name: 'level',
        help: 'h',
        labelNames: ['level'],
        collect: async (metric) => {
          await Promise.resolve();
          metric.reset();
          metric.set({ level }, 1);
        },
      }),
    );
    expect(parse(await registry.render())).toEqual([{ name: 'level', labels: { level: 'bwrap' }, value: 1 }]);
    level = 'none';
    expect(parse(await registry.render())).toEqual([{ name: 'level', labels: { level: 'none' }, value: 1 }]);
    expect(registry.contentType).toBe(EXPOSITION_CONTENT_TYPE);
    expect(EXPOSITION_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('process metrics', () => {
  it('serve the documented names, each with HELP and TYPE, with plausible values', async () => {
    const registry = new MetricRegistry();
    registerProcessMetrics(registry);
    const text = await registry.render();
    const names = process.platform === 'linux' ? PROCESS_METRIC_NAMES : PROCESS_METRIC_NAMES.filter((name) => !['process_virtual_memory_bytes', 'process_heap_bytes', 'process_open_fds', 'process_max_fds'].includes(name));
    expect(registry.list().map((family) => family.name)).toEqual(names);
    for (const name of names) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} .+$`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    const value = (name: string, labels: Record<string, string> = {}) => parse(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value('process_cpu_seconds_total')).toBeGreaterThanOrEqual(value('process_cpu_user_seconds_total')!);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_space_size_used_bytes', { space: 'old' })).toBeGreaterThan(0);
    expect(value('nodejs_version_info', { version: process.version })).toBe(1);
    if (process.platform === 'linux') {
      expect(value('process_open_fds')).toBeGreaterThan(2);
      expect(value('process_max_fds')).toBeGreaterThan(value('process_open_fds')!);
    }
  });
});
