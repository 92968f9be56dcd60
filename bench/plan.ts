/**
 * How much the bench runs: the full plan (`npm run bench`) and the quick one
 * (`npm run bench -- --quick`, CI's smoke run: tiny counts, proves the script
 * works, its numbers mean nothing).
 */
export interface BenchPlan {
  readonly quick: boolean;
  /** Measured repetitions of each throughput run (the median is reported). */
  readonly repeats: number;
  /** Concurrency of the protocol floor = the worker's SPLAI_MAX_PARALLEL_TASKS. */
  readonly parallel: number;
  readonly floorTasks: number;
  readonly workerTasks: number;
  /** Tasks of the warm-up run before each measured series. */
  readonly warmupTasks: number;
  readonly spawnCount: number;
  readonly spawnConcurrency: number;
  readonly sandboxTasks: number;
  readonly referenceCycles: number;
  readonly referencePollMillis: number;
  readonly referenceMaxTasks: number;
  readonly pickupSamples: number;
  /**
   * Wait between pickup samples: the worker must be idle (its poller asleep)
   * when a task arrives. `phase` (0 <= phase < 1, see {@link pickupPhase}) is
   * where in the worker's poll interval it arrives.
   */
  readonly pickupIdleMillis: (pollMillis: number, phase: number) => number;
  readonly loadWindowMillis: number;
  readonly loadWarmupMillis: number;
  /** Size of each CPU-heavy embedding text (local feature hashing is linear in it). */
  readonly burnTextBytes: number;
  /** Heartbeat interval the bench's control plane hands out (short: many samples in the load window). */
  readonly heartbeatSeconds: number;
  readonly cliProbes: number;
  readonly cliIdleMillis: number;
  /** Slot utilization: this many sandboxed sleeps of `slotTaskSeconds` on `slotSlots` slots. */
  readonly slotTasks: number;
  readonly slotTaskSeconds: number;
  readonly slotSlots: number;
  /** Fleet speedup: a job of `fleetTasks` sleeps of `fleetTaskSeconds`, on 1 then `fleetWorkers` workers of `fleetSlots` slots. */
  readonly fleetTasks: number;
  readonly fleetTaskSeconds: number;
  readonly fleetSlots: number;
  readonly fleetWorkers: number;
}

export function planFor(quick: boolean): BenchPlan {
  if (quick) {
    return {
      quick,
      repeats: 1,
      parallel: 8,
      floorTasks: 40,
      workerTasks: 40,
      warmupTasks: 8,
      spawnCount: 6,
      spawnConcurrency: 2,
      sandboxTasks: 6,
      referenceCycles: 1,
      referencePollMillis: 1500,
      referenceMaxTasks: 2,
      pickupSamples: 2,
      // Within one poll interval: the worker is between polls either way.
      pickupIdleMillis: (pollMillis, phase) => phase * pollMillis,
      loadWindowMillis: 1500,
      loadWarmupMillis: 300,
      burnTextBytes: 64 * 1024,
      heartbeatSeconds: 0.25,
      cliProbes: 1,
      cliIdleMillis: 300,
      slotTasks: 8,
      slotTaskSeconds: 0.3,
      slotSlots: 4,
      fleetTasks: 16,
      fleetTaskSeconds: 0.2,
      fleetSlots: 2,
      fleetWorkers: 4,
    };
  }
  return {
    quick,
    repeats: 3,
    parallel: 8,
    floorTasks: 2000,
    workerTasks: 2000,
    // One full run: with 300 the first measured run was the slowest of the three in most runs.
    warmupTasks: 2000,
    spawnCount: 400,
    spawnConcurrency: 2,
    sandboxTasks: 500,
    referenceCycles: 4,
    referencePollMillis: 1500,
    referenceMaxTasks: 2,
    pickupSamples: 9,
    // At least one full interval idle (the worker is surely asleep), then the phase.
    pickupIdleMillis: (pollMillis, phase) => pollMillis + phase * pollMillis,
    loadWindowMillis: 10_000,
    loadWarmupMillis: 1000,
    burnTextBytes: 256 * 1024,
    heartbeatSeconds: 0.25,
    cliProbes: 5,
    cliIdleMillis: 3000,
    // The design: 12 tasks of 6 s on 4 slots (18 s of work per slot).
    slotTasks: 12,
    slotTaskSeconds: 6,
    slotSlots: 4,
    // Long enough that the sandbox's start-up (tens of ms a task) is small beside the wait.
    fleetTasks: 80,
    fleetTaskSeconds: 0.5,
    fleetSlots: 2,
    fleetWorkers: 4,
  };
}

/**
 * Where in the poll interval pickup sample `index` of `count` arrives, as a
 * fraction of it: evenly spread, (index + 0.5) / count. `pickup_p50_ms` is the
 * median pickup over arrival moments, and evenly spread moments estimate it
 * with far less spread than as many random ones (9 random moments gave
 * medians of 531 and 1,094 ms for the same design, against ~750 ms + a round
 * trip expected).
 */
export function pickupPhase(index: number, count: number): number {
  return (index + 0.5) / count;
}

/** Parts of the bench, for `--only` while tuning (a run with --only is not a full result). */
export const BENCH_PARTS = ['spawn', 'bare', 'throughput', 'pickup', 'sandbox', 'load', 'slots', 'fleet', 'cli'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchArgs {
  readonly quick: boolean;
  /** Only these parts (default: all). */
  readonly only?: readonly BenchPart[];
  /** Where to write the results (default bench/results.json; quick: a temp file). */
  readonly out?: string;
}

/** `--quick`, `--out <file>`, `--only part,part`; anything else is an error. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let out: string | undefined;
  let only: BenchPart[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--only' && argv[i + 1] !== undefined) only = parseParts(argv[++i]!);
    else throw new Error(`unknown bench argument "${arg}" (use --quick, --out <file>, --only ${BENCH_PARTS.join(',')})`);
  }
  return { quick, ...(out === undefined ? {} : { out }), ...(only === undefined ? {} : { only }) };
}

function parseParts(text: string): BenchPart[] {
  return text.split(',').map((part) => {
    if (!(BENCH_PARTS as readonly string[]).includes(part)) throw new Error(`unknown bench part "${part}" (parts: ${BENCH_PARTS.join(', ')})`);
    return part as BenchPart;
  });
}
