/**
 * The process metrics every Node exporter serves, under the names prom-client's
 * default metrics use (so existing Node.js dashboards keep working): CPU time,
 * memory, file descriptors, event-loop lag, heap spaces, GC durations, active
 * resources and the Node version.
 *
 * Values are read when scraped. Two things run in between: a
 * `monitorEventLoopDelay` histogram (reset after each scrape, so its
 * percentiles cover the last scrape interval) and a `gc` performance observer.
 * Neither keeps the process alive.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Counter, Gauge, Histogram } from './instruments.js';
import type { MetricRegistry } from './metricRegistry.js';

/** Every name registered on Linux (docs, tests); elsewhere the `/proc` ones (virtual memory, heap, fds) are absent. */
export const PROCESS_METRIC_NAMES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_version_info',
  'nodejs_gc_duration_seconds',
] as const;

/** The /proc reads only exist on Linux; elsewhere those gauges are left out (absent, not 0). */
const linux = process.platform === 'linux';

const GC_KINDS: Readonly<Record<number, string>> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** `VmSize`, `VmRSS`, `VmData` ... of /proc/self/status, in bytes. */
function procStatus(): Map<string, number> {
  const out = new Map<string, number>();
  for (const match of readFileSync('/proc/self/status', 'utf8').matchAll(/^(\w+):\s+(\d+) kB$/gm)) out.set(match[1]!, Number(match[2]) * 1024);
  return out;
}

/** The soft limit of open files, from /proc/self/limits (undefined when unlimited or unreadable). */
function maxFds(): number | undefined {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line === null ? undefined : Number(line[1]);
}

/** Register the process metrics on `registry`. */
export function registerProcessMetrics(registry: MetricRegistry): void {
  // CPU time is a running total kept by the process: the counters are rebuilt from it on each scrape.
  const cpu = (name: string, help: string, read: (usage: NodeJS.CpuUsage) => number) =>
    registry.register(
      new Counter({
        name,
        help,
        collect: (m) => {
          m.reset();
          m.inc({}, read(process.cpuUsage()) / 1e6);
        },
      }),
    );
  cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (usage) => usage.user);
  cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (usage) => usage.system);
  cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (usage) => usage.user + usage.system);
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  registry.register(new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', collect: (m) => m.set({}, startTime) }));
  registry.register(new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', collect: (m) => m.set({}, process.memoryUsage.rss()) }));
  if (linux) {
    registry.register(new Gauge({ name: 'process_virtual_memory_bytes', help: 'Virtual memory size in bytes.', collect: (m) => m.set({}, procStatus().get('VmSize') ?? 0) }));
    registry.register(new Gauge({ name: 'process_heap_bytes', help: 'Process heap size in bytes.', collect: (m) => m.set({}, procStatus().get('VmData') ?? 0) }));
    // The listing's own descriptor is not one of the process's.
    registry.register(new Gauge({ name: 'process_open_fds', help: 'Number of open file descriptors.', collect: (m) => m.set({}, readdirSync('/proc/self/fd').length - 1) }));
    const max = maxFds();
    if (max !== undefined) registry.register(new Gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.', collect: (m) => m.set({}, max) }));
  }

  // Lag now: how late a callback queued at scrape time runs.
  registry.register(
    new Gauge({
      name: 'nodejs_eventloop_lag_seconds',
      help: 'Lag of event loop in seconds.',
      collect: (m) => {
        const start = process.hrtime.bigint();
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            m.set({}, Number(process.hrtime.bigint() - start) / 1e9);
            resolve();
          }),
        );
      },
    }),
  );
  // Lag over the last scrape interval. The histogram reports nanoseconds (NaN before its first sample).
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const lag = (stat: string, read: () => number) =>
    registry.register(new Gauge({ name: `nodejs_eventloop_lag_${stat}_seconds`, help: `The ${stat} of the recorded event loop delays.`, collect: (m) => m.set({}, read() / 1e9) }));
  lag('min', () => delay.min);
  lag('max', () => delay.max);
  lag('mean', () => delay.mean);
  lag('stddev', () => delay.stddev);
  lag('p50', () => delay.percentile(50));
  lag('p90', () => delay.percentile(90));
  // The last one read resets the window (collectors run in registration order, synchronously).
  lag('p99', () => {
    const value = delay.percentile(99);
    delay.reset();
    return value;
  });

  registry.register(
    new Gauge({
      name: 'nodejs_active_resources',
      help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
      labelNames: ['type'],
      collect: (m) => {
        m.reset();
        const counts = new Map<string, number>();
        for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
        for (const [type, n] of counts) m.set({ type }, n);
      },
    }),
  );
  registry.register(new Gauge({ name: 'nodejs_active_resources_total', help: 'Total number of active resources.', collect: (m) => m.set({}, process.getActiveResourcesInfo().length) }));

  registry.register(new Gauge({ name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', collect: (m) => m.set({}, process.memoryUsage().heapTotal) }));
  registry.register(new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', collect: (m) => m.set({}, process.memoryUsage().heapUsed) }));
  registry.register(new Gauge({ name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.', collect: (m) => m.set({}, process.memoryUsage().external) }));
  for (const [field, stat] of [
    ['total', 'space_size'],
    ['used', 'space_used_size'],
    ['available', 'space_available_size'],
  ] as const) {
    registry.register(
      new Gauge({
        name: `nodejs_heap_space_size_${field}_bytes`,
        help: `Process heap space size ${field} from Node.js in bytes.`,
        labelNames: ['space'],
        collect: (m) => {
          for (const space of getHeapSpaceStatistics()) m.set({ space: space.space_name.replace(/_space$/, '') }, space[stat]);
        },
      }),
    );
  }

  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  registry.register(new Gauge({ name: 'nodejs_version_info', help: 'Node.js version info.', labelNames: ['version', 'major', 'minor', 'patch'], collect: (m) => m.set({ version: process.version, major, minor, patch }, 1) }));

  const gc = registry.register(
    new Histogram({ name: 'nodejs_gc_duration_seconds', help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1, 1, 2, 5] }),
  );
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      gc.observe({ kind: GC_KINDS[entry.detail?.kind ?? -1] ?? 'unknown' }, entry.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
}
