/**
 * `npm run bench`: proves the worker is fast against baselines measured in the
 * same run, on the development control plane over real loopback HTTP. Prints a
 * table and, as its last line, `BENCH {...}`; writes bench/results.json (the
 * summary and the machine) and bench/results.raw.json (every raw sample, git-ignored).
 * See docs/performance.md for how to read every number.
 *
 * Process tree: this process holds the control plane (and the spawn
 * baselines); each client under test runs in a forked agent (agent.ts) on its
 * own event loop; start-up and idle memory are measured on the real CLI.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveConfig } from '../config/load.js';
import type { ControlPlane } from '../control-plane/ControlPlane.js';
import { startControlPlaneServer, type ControlPlaneServerOptions, type RunningControlPlane } from '../control-plane/httpServer.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import type { AgentSamples, LoopLag } from './agent.js';
import { probeCli } from './cliProbe.js';
import { metered, type CpuUsage } from './cpuMeter.js';
import { burnJob, burnText, sandboxJob, trivialJob } from './jobs.js';
import { projectRoot } from './launch.js';
import { heartbeatLateness } from './lateness.js';
import { describeMachine } from './machine.js';
import type { OverheadBreakdown } from './overhead.js';
import { parseBenchArgs, pickupPhase, planFor, type BenchPart } from './plan.js';
import { Agent } from './rpc.js';
import { launchFloor, sandboxDirect, spawnFloor } from './spawnFloor.js';
import { median, rounded } from './stats.js';
import { benchLine, medianTps, summarize, tableRows, type FleetResult, type RawMeasurements, type Run } from './summary.js';
import { formatTable } from './table.js';
import { ControlPlaneSlot } from './controlPlaneSlot.js';
import { measureFleet, measureSlotUtilization } from './scheduling.js';
import { Timeline } from './timeline.js';

const RUN_TIMEOUT = 300_000;

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Failures of phases; the other phases still run, the bench exits 1. */
const errors: string[] = [];

async function phase(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    errors.push(`${name}: ${message}`);
    progress(`${name} FAILED: ${message}`);
  }
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const plan = planFor(args.quick);
  const wanted = (...parts: BenchPart[]) => args.only === undefined || parts.some((p) => args.only!.includes(p));
  const work = mkdtempSync(join(tmpdir(), 'splai-bench-'));
  const artifactRoot = join(work, 'artifacts');
  const logFile = (name: string) => join(work, `${name}.log`);
  const config = resolveConfig({ artifactRoot });
  const sandbox = detectSandboxLevel(config.sandbox);
  const machine = describeMachine(sandbox);
  progress(`${args.quick ? 'quick' : 'full'} run; ${machine.cpus} cpus, node ${machine.node}, sandbox ${machine.sandboxLevel}; logs in ${work}`);

  /** A control plane for one run, with the gateway's rules; its timeline sees every event. */
  const withControlPlane = async <T>(body: (server: RunningControlPlane, timeline: Timeline) => Promise<T>, options: ControlPlaneServerOptions = {}): Promise<T> => {
    const server = await startControlPlaneServer({ heartbeatIntervalSeconds: plan.heartbeatSeconds, ...options });
    const timeline = new Timeline(server.controlPlane);
    try {
      return await body(server, timeline);
    } finally {
      timeline.close();
      await server.close();
    }
  };
  let jobSeq = 0;
  const jobId = (kind: string) => `${kind}-${++jobSeq}`;

  const spawnRuns: Run[] = [];
  const launchRuns: Run[] = [];
  const directRuns: Run[] = [];
  const floorRuns: Run[] = [];
  const gatewayFloorRuns: Run[] = [];
  const slotUtilization: number[] = [];
  const fleet: FleetResult[] = [];
  const workerRuns: Run[] = [];
  const sandboxRuns: Run[] = [];
  const referenceRuns: Run[] = [];
  const overheads: OverheadBreakdown[] = [];
  const loopLags: LoopLag[] = [];
  const bystanderLags: LoopLag[] = [];
  const lateness: number[] = [];
  const pickupMs: number[] = [];
  const startupMs: number[] = [];
  const rssIdleMb: number[] = [];
  const floorCpu = { agent: [] as number[], controlPlane: [] as number[] };
  const gatewayFloorCpu = { agent: [] as number[], controlPlane: [] as number[] };
  const workerCpu = { agent: [] as number[], controlPlane: [] as number[] };
  let burnTasks = 0;

    // 1. The sandbox's own programs and module, no worker (diagnostics beside the spawn floor).
    await phase('sandbox baselines', async () => {
      if (!wanted('spawn')) return;
      if (sandbox.refusal === undefined) {
        await spawnFloor(sandbox, config, Math.ceil(plan.spawnCount / 10), plan.spawnConcurrency);
        progress('launch floor: the sandbox\'s whole launch line around "true", no cgroups');
        for (let i = 0; i < plan.repeats; i++) launchRuns.push(await launchFloor(sandbox, config, plan.spawnCount, plan.spawnConcurrency));
        progress('sandbox direct: runSandboxed("true") without a worker');
        for (let i = 0; i < plan.repeats; i++) directRuns.push(await sandboxDirect(sandbox, config, Math.ceil(plan.spawnCount / 2), plan.spawnConcurrency));
      } else progress(`sandbox unavailable (${sandbox.refusal}): sandbox numbers are n/a`);
    });

    // 2. The bare loops (the protocol floor with the worker's own client, the
    // gateway floor on node:http) and the real worker (createWorker in an agent).
    // Each baseline run comes right before the measured run it is compared with
    // (summary.ts pairedRatio): on a shared host a slow spell then slows both.
    // Every run gets a fresh control plane: the gateway's queue keeps an entry
    // for every time a task was made ready and it never forgets a worker, so a
    // control plane that served an earlier run slows the next one down and hands
    // its tasks to the earlier run's workers.
    await phase('floors and worker', async () => {
      const floorWanted = wanted('bare');
      const workerWanted = wanted('throughput', 'pickup', 'sandbox', 'load');
      if (!floorWanted && !workerWanted && !wanted('spawn')) return;
      const bare = floorWanted ? Agent.start(logFile('bare')) : undefined;
      const agent = workerWanted ? Agent.start(logFile('worker')) : undefined;
      try {
        const floorRun = (method: 'floor.run' | 'gatewayFloor.run', count: number) =>
          withControlPlane(async (server, t) => {
            const id = jobId(method === 'floor.run' ? 'floor' : 'gateway-floor');
            const [run] = await Promise.all([t.runJob(trivialJob(id, count), RUN_TIMEOUT), bare!.call(method, { url: server.url, workerId: `floor-${id}`, lanes: plan.parallel, tasks: count })]);
            return run;
          });
        // One worker for the whole series (its threads warm, as in a daemon), and a fresh
        // control plane on the same port for each run of it (controlPlaneSlot.ts).
        const workerId = 'bench-worker';
        const slot = agent === undefined ? undefined : await ControlPlaneSlot.open({ heartbeatIntervalSeconds: plan.heartbeatSeconds });
        if (agent !== undefined && slot !== undefined) {
          await agent.call('worker.start', {
            config: { controlPlaneUrl: slot.url, workerId, maxParallelTasks: plan.parallel, artifactRoot },
            durable: process.env['BENCH_DURABLE'] !== '0',
            commandHost: process.env['BENCH_COMMAND_HOST'] !== '0',
            controlPlaneThread: process.env['BENCH_IO_THREAD'] !== '0',
          });
          await slot.current.timeline.registration(workerId);
        }
        /** A new control plane for the worker's next run, once the worker registered with it. */
        const onFreshWorker = async <T>(body: (t: Timeline, cp: ControlPlane, id: string) => Promise<T>): Promise<T> => {
          const run = await slot!.fresh();
          await run.timeline.registration(workerId);
          return body(run.timeline, run.server.controlPlane, workerId);
        };
        const workerRun = (count: number, kind = 'worker') =>
          onFreshWorker((t) => metered(() => agent!.call<CpuUsage>('cpu'), workerCpu, () => t.runJob(trivialJob(jobId(kind), count), RUN_TIMEOUT)));
        const throughput = agent !== undefined && wanted('throughput');
        if (bare !== undefined || throughput) {
          progress(`protocol floor, gateway floor and worker, alternating: ${plan.repeats} x ${plan.floorTasks} tasks each, ${plan.parallel} lanes / slots`);
          if (bare !== undefined) {
            await floorRun('floor.run', plan.warmupTasks);
            await floorRun('gatewayFloor.run', plan.warmupTasks);
          }
          if (throughput) {
            await workerRun(plan.warmupTasks, 'warmup');
            await agent.call<AgentSamples>('worker.samples');
            workerCpu.agent.length = 0;
            workerCpu.controlPlane.length = 0;
          }
          for (let i = 0; i < plan.repeats; i++) {
            if (bare !== undefined) {
              floorRuns.push(await metered(() => bare.call<CpuUsage>('cpu'), floorCpu, () => floorRun('floor.run', plan.floorTasks)));
              gatewayFloorRuns.push(await metered(() => bare.call<CpuUsage>('cpu'), gatewayFloorCpu, () => floorRun('gatewayFloor.run', plan.floorTasks)));
            }
            if (throughput) workerRuns.push(await workerRun(plan.workerTasks));
          }
          if (throughput) overheads.push(...(await agent.call<AgentSamples>('worker.samples')).overheads);
        }

        if (bare !== undefined) {
          progress(`reference policy: ${plan.referenceCycles} cycles of poll(${plan.referenceMaxTasks}) + sleep ${plan.referencePollMillis} ms`);
          await withControlPlane(async (server) => {
            server.controlPlane.submitJob(trivialJob(jobId('reference'), plan.referenceCycles * plan.referenceMaxTasks + 2));
            referenceRuns.push(
              await bare.call<Run>('reference.run', { url: server.url, workerId: 'reference', pollMillis: plan.referencePollMillis, maxTasks: plan.referenceMaxTasks, cycles: plan.referenceCycles }),
            );
          });
        }
        const pollMillis = resolveConfig({}).pollMillis;
        if (agent !== undefined && wanted('pickup')) {
          progress(`pickup: ${plan.pickupSamples} single tasks on the idle worker (poll interval ${pollMillis} ms)`);
          await onFreshWorker(async (t) => {
            for (let i = 0; i < plan.pickupSamples; i++) {
              await sleep(plan.pickupIdleMillis(pollMillis, pickupPhase(i, plan.pickupSamples)));
              const id = jobId('pickup');
              const running = t.running(id, 't0', RUN_TIMEOUT);
              const submitted = performance.now();
              await t.runJob(trivialJob(id, 1), RUN_TIMEOUT);
              pickupMs.push((await running) - submitted);
            }
          });
        }

        const spawnBaseline = wanted('spawn') && sandbox.refusal === undefined;
        const sandboxed = agent !== undefined && wanted('sandbox') && sandbox.refusal === undefined;
        if (spawnBaseline || sandboxed) {
          progress(`spawn floor (/bin/true under ${sandbox.level}, ${plan.spawnConcurrency} at a time) and worker sandbox (tool_execution "true"), alternating: ${plan.repeats} x ${plan.spawnCount} and ${plan.sandboxTasks}`);
          const sandboxRun = (count: number, kind: string) => onFreshWorker((t) => t.runJob(sandboxJob(jobId(kind), count), RUN_TIMEOUT));
          if (sandboxed) await sandboxRun(Math.ceil(plan.sandboxTasks / 10), 'sandbox-warmup');
          for (let i = 0; i < plan.repeats; i++) {
            if (spawnBaseline) spawnRuns.push(await spawnFloor(sandbox, config, plan.spawnCount, plan.spawnConcurrency));
            if (sandboxed) sandboxRuns.push(await sandboxRun(plan.sandboxTasks, 'sandbox'));
          }
        }

        if (agent !== undefined && wanted('load')) {
          progress(`load: every slot on CPU-heavy embeddings for ${plan.loadWindowMillis} ms; event-loop delay and heartbeats`);
          await onFreshWorker(async (t, cp, workerId) => {
            const text = burnText(plan.burnTextBytes);
            const burnJobs: string[] = [];
            let outstanding = 0;
            let feeding = true;
            let burnError = '';
            const feed = () => {
              while (feeding && outstanding < plan.parallel * 3) {
                const id = jobId('burn');
                burnJobs.push(id);
                cp.submitJob(burnJob(id, plan.parallel, text));
                outstanding += plan.parallel;
              }
            };
            const unsubscribe = cp.onReport((report, outcome) => {
              if (outcome !== 'accepted' || !report.job_id?.startsWith('burn-') || report.status === 'Running') return;
              if (report.status === 'Failed') burnError ||= report.error ?? 'failed';
              burnTasks++;
              outstanding--;
              setImmediate(feed);
            });
            feed();
            await sleep(plan.loadWarmupMillis);
            const beatsBefore = t.heartbeats.get(workerId)?.length ?? 0;
            const tasksBefore = burnTasks;
            // A bystander: an idle Node process measuring its own loop delay in the same window.
            // What it sees is the machine's scheduling delay, which no worker can beat.
            const bystander = Agent.start(logFile('bystander'));
            try {
              await Promise.all([agent.call('lag.start', { resolutionMillis: 10 }), bystander.call('lag.start', { resolutionMillis: 10 })]);
              await sleep(plan.loadWindowMillis);
              const [lag, idle] = await Promise.all([agent.call<LoopLag>('lag.stop'), bystander.call<LoopLag>('lag.stop')]);
              loopLags.push(lag);
              bystanderLags.push(idle);
            } finally {
              await bystander.close();
            }
            // Periodic beats only: the gateway's interval is what the lateness is measured against.
            const beats = (t.heartbeats.get(workerId) ?? []).slice(beatsBefore > 0 ? beatsBefore - 1 : 0);
            lateness.push(...heartbeatLateness(beats, plan.heartbeatSeconds * 1000));
            burnTasks -= tasksBefore;
            feeding = false;
            unsubscribe();
            for (const id of burnJobs) cp.cancelJob(id);
            if (burnError !== '') throw new Error(`CPU-heavy task failed: ${burnError}`);
          });
        }
        await agent?.call('worker.stop');
        await slot?.close();
      } finally {
        await Promise.all([bare?.close(), agent?.close()]);
      }
    });

    // 3. The gateway's scheduling rules with real waits: slot utilization under the
    // capacity rule, and a fleet sharing one job.
    await phase('slots and fleet', async () => {
      if (sandbox.refusal !== undefined) {
        if (wanted('slots', 'fleet')) progress(`sandbox unavailable (${sandbox.refusal}): slot utilization and fleet speedup are n/a`);
        return;
      }
      if (wanted('slots')) {
        progress(`slot utilization: ${plan.slotTasks} tasks of ${plan.slotTaskSeconds} s on ${plan.slotSlots} slots, the gateway's 5 s heartbeat interval`);
        slotUtilization.push(await measureSlotUtilization({ plan, artifactRoot, logFile, jobId }));
      }
      if (wanted('fleet')) {
        progress(`fleet: ${plan.fleetTasks} tasks of ${plan.fleetTaskSeconds} s on 1 worker of ${plan.fleetSlots} slots, then on ${plan.fleetWorkers}`);
        fleet.push(await measureFleet({ plan, artifactRoot, logFile, jobId }));
      }
    });

    // 4. The real daemon: start-up and idle memory.
    await phase('cli', async () => {
      if (!wanted('cli')) return;
      progress(`CLI: ${plan.cliProbes} x start-up and idle RSS of splai-worker run`);
      // A control plane with the gateway's defaults (5 s heartbeats): an idle worker as deployed.
      const idleServer = await startControlPlaneServer({});
      const idleTimeline = new Timeline(idleServer.controlPlane);
      try {
        for (let i = 0; i < plan.cliProbes; i++) {
          const probe = await probeCli({ timeline: idleTimeline, url: idleServer.url, workerId: `cli-${i}`, artifactRoot, idleMillis: plan.cliIdleMillis, logFile: logFile(`cli-${i}`) });
          startupMs.push(probe.startupMs);
          rssIdleMb.push(probe.rssMb);
        }
      } finally {
        idleTimeline.close();
        await idleServer.close();
      }
    });

  const raw: RawMeasurements = {
    floorRuns,
    gatewayFloorRuns,
    workerRuns,
    spawnFloorRuns: spawnRuns,
    sandboxRuns,
    referenceRuns,
    overheadMs: overheads.map((o) => o.overhead),
    loopLagP99Ms: loopLags.map((l) => l.p99),
    heartbeatLatenessMs: lateness,
    pickupMs,
    rssIdleMb,
    startupMs,
    pollMillis: resolveConfig({}).pollMillis,
    slotUtilization,
    fleet,
  };
  const summary = summarize(raw);
  const part = (key: keyof OverheadBreakdown) => rounded(median(overheads.map((o) => o[key])), 3);
  const extra = {
    quick: plan.quick,
    sandbox_level: machine.sandboxLevel,
    launch_floor_tps: rounded(medianTps(launchRuns), 1),
    sandbox_direct_tps: rounded(medianTps(directRuns), 1),
    overhead_breakdown_p50_ms: { to_running: part('toRunning'), running_round_trip: part('runningRoundTrip'), pool: part('pool'), to_final: part('toFinal') },
    loop_lag_max_ms: rounded(Math.max(...loopLags.map((l) => l.max)), 1),
    loop_lag_bystander_p99_ms: rounded(median(bystanderLags.map((l) => l.p99)), 2),
    load_tasks: burnTasks,
    // CPU ms per task (all threads of the process): the client under test, and this process (the control plane).
    cpu_ms_per_task: {
      floor_client: rounded(median(floorCpu.agent), 3),
      gateway_floor_client: rounded(median(gatewayFloorCpu.agent), 3),
      worker: rounded(median(workerCpu.agent), 3),
      control_plane_floor: rounded(median(floorCpu.controlPlane), 3),
      control_plane_worker: rounded(median(workerCpu.controlPlane), 3),
    },
    errors,
  };
  // The results file keeps what the BENCH line says and what it was measured on
  // (bench/results.json is committed); every raw sample goes to a file beside it
  // (bench/results.raw.json is git-ignored), tagged with the same date.
  const date = new Date().toISOString();
  const results = { date, machine, plan: { ...plan, pickupIdleMillis: undefined }, summary, extra };
  const rawResults = { date, raw: { ...raw, spawnLaunchRuns: launchRuns, spawnDirectRuns: directRuns, overheadBreakdowns: overheads.length <= 10_000 ? overheads : overheads.slice(0, 10_000), loopLags, bystanderLags } };
  const out = args.out ?? (plan.quick ? join(tmpdir(), 'splai-bench-results.quick.json') : join(projectRoot, 'bench', 'results.json'));
  const rawOut = rawPathFor(out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(rawOut, `${JSON.stringify(rawResults)}\n`);
  // Keep the logs of a failed run.
  if (errors.length === 0) rmSync(work, { recursive: true, force: true });

  process.stdout.write(`\n${formatTable(tableRows(summary))}\n\n`);
  process.stdout.write(`results: ${out}\n`);
  process.stdout.write(`raw samples: ${rawOut}\n`);
  if (errors.length > 0) process.stdout.write(`FAILED phases (logs in ${work}):\n${errors.map((e) => `  ${e}`).join('\n')}\n`);
  process.stdout.write(`${benchLine(summary, extra)}\n`);
  return errors.length === 0 ? 0 : 1;
}

/** Where the raw samples of a results file go: `results.json` -> `results.raw.json` (any other name: `.raw.json` appended). */
function rawPathFor(out: string): string {
  return out.endsWith('.json') ? `${out.slice(0, -'.json'.length)}.raw.json` : `${out}.raw.json`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
