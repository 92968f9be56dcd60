/**
 * The library entry: build a worker from a configuration, start it, stop it.
 *
 * @example
 * ```ts
 * import { createWorker } from 'splai-worker';
 * const worker = createWorker({ config: { controlPlaneUrl: 'http://127.0.0.1:8080', workerId: 'w1' } });
 * worker.start();
 * // ... later
 * const result = await worker.stop(); // drains, then { status: 'stopped', error: '' }
 * ```
 */
import type { ConsolaInstance } from 'consola';
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { createModelInventory } from '../actors/modelInventory.js';
import { watchModelInventory } from '../actors/modelInventoryWatcher.js';
import { detectGpu, registeredCpu } from '../actors/hostCapabilities.js';
import { gatewayCapacity } from '../protocol/capacity.js';
import { capacityNote } from './capacityNote.js';
import { tokenRefusalMessage } from './tokenRefusal.js';
import { join } from 'node:path';
import { ControlPlaneClient, type ControlPlaneApi } from '../actors/controlPlaneClient.js';
import { Reporter, type ReportStore } from '../actors/reporter.js';
import { TaskPool } from '../actors/taskPool.js';
import { ControlPlaneThread } from '../actors/controlPlaneThread.js';
import { IdleThenThreadClient } from '../actors/idleThenThreadClient.js';
import type { WorkerConfig } from '../config/definitions.js';
import { resolveConfig, secretValues } from '../config/load.js';
import { createSupervisorLogic, type DelayOverrides } from '../machines/createSupervisorLogic.js';
import type { WorkerEffects } from '../machines/effects.js';
import type { supervisorMachine, SupervisorOutput } from '../machines/supervisor.js';
import { HealthMonitor } from '../actors/healthMonitor.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import { openDurableState } from './durableState.js';
import { createLogger, taskKeyFields } from './logger.js';
import { createRealEffects } from './realEffects.js';
import type { WorkerInstrument } from '../telemetry/instrument.js';

export type { WorkerInstrument };

export interface CreateWorkerOptions {
  /** Settings; missing ones take their defaults, every value is validated. */
  readonly config?: Partial<WorkerConfig>;
  /** Replace any effect (e.g. `execute` with a fake) while keeping the real machines. */
  readonly effects?: Partial<WorkerEffects>;
  /** Use this control-plane API instead of the HTTP client (tests). */
  readonly api?: ControlPlaneApi;
  /** Where reports wait for delivery across restarts; replaces the outbox under the state dir. */
  readonly reportStore?: ReportStore;
  /**
   * Directory of the outbox and the in-flight journal (default `config.stateDir`);
   * `false` keeps nothing on disk (tests). Restarting with the same directory and
   * worker id delivers what the previous run left and reports its interrupted tasks.
   */
  readonly stateDir?: string | false;
  readonly logger?: ConsolaInstance;
  /** XState inspection observer (the inspector uses it). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly delays?: DelayOverrides;
  /**
   * Launch sandboxed commands from a separate command-host process (default
   * true, see sandbox/commandHost.ts); `false` launches them from the task
   * threads (a diagnostic of what the host saves).
   */
  readonly commandHost?: boolean;
  /**
   * Run the control-plane HTTP calls on an I/O thread of their own once the
   * worker runs tasks (see actors/idleThenThreadClient.ts); the daemon does.
   * Default false: request interception in tests (MSW) sees only calls made on
   * the main thread. Ignored when `api` is given.
   */
  readonly controlPlaneThread?: boolean;
  /** Observability hooks (metrics, traces); see telemetry/. The machines never see them. */
  readonly instrument?: WorkerInstrument;
}

export interface SplaiWorker {
  readonly config: WorkerConfig;
  /** The root supervisor actor: subscribe to it, read its snapshot. */
  readonly actor: Actor<typeof supervisorMachine>;
  readonly reporter: Reporter;
  readonly logger: ConsolaInstance;
  /** Start registering, heartbeating, polling. */
  start(): void;
  /** Begin draining (a second call aborts what is left). */
  shutdown(reason?: string): void;
  /** Resolves once the supervisor stopped or failed and resources are released. */
  readonly done: Promise<SupervisorOutput>;
  /** shutdown() and wait for done. */
  stop(): Promise<SupervisorOutput>;
}

export function createWorker(options: CreateWorkerOptions = {}): SplaiWorker {
  const config = resolveConfig(options.config ?? {});
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretValues(config) });
  const clientOptions = { baseUrl: config.controlPlaneUrl, token: config.apiToken, timeoutMillis: config.requestTimeoutMillis, ...(options.instrument?.around === undefined ? {} : { around: options.instrument.around }) };
  const ioThread = options.api === undefined && options.controlPlaneThread === true ? new ControlPlaneThread(clientOptions) : undefined;
  // The worker closes what it created (its idle keep-alive connections), never a caller's api.
  const ownClient = options.api === undefined ? new ControlPlaneClient(clientOptions) : undefined;
  const inThread = options.api ?? ownClient!;
  const api = ioThread === undefined ? inThread : new IdleThenThreadClient(inThread, ioThread, () => logger.withTag('supervisor').debug('control-plane calls run on the I/O thread from now on'));
  const reportLog = logger.withTag('reporter');
  // A caller's own reportStore replaces the whole on-disk state (outbox and journal).
  const durable = options.stateDir === false || options.reportStore !== undefined ? undefined : openDurableState(options.stateDir ?? config.stateDir);
  const store = options.reportStore ?? durable?.store;
  const reporter = new Reporter({
    api,
    ...(store === undefined ? {} : { store }),
    onSettled: (report, outcome, detail) => {
      durable?.settled(report, outcome);
      if (outcome !== 'delivered') reportLog.warn(`report dropped (${outcome}): ${detail}`, { job_id: report.job_id, task_id: report.task_id, status: report.status });
    },
    // The gateway checks the token only on reports: the first refusal stops the worker taking work.
    onRefused: (detail) => {
      const error = tokenRefusalMessage({ detail, tokenSet: config.apiToken !== '', outboxDir: durable === undefined ? undefined : join(durable.dir, 'outbox') });
      reportLog.error(error);
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'controlPlane.authFailed', error });
    },
    onRetry: (report, attempt, error) => {
      health.noteReportFailure();
      if (attempt === 1 || Number.isInteger(Math.log2(attempt))) reportLog.warn(`report not delivered yet; retrying: ${error}`, { job_id: report.job_id, task_id: report.task_id, status: report.status, attempt });
    },
  });
  const taskLog = logger.withTag('task');
  const pool = new TaskPool(config, {
    ...(options.commandHost === undefined ? {} : { commandHost: options.commandHost }),
    onLog: (message) => taskLog[message.level](message.message, { ...taskKeyFields(message.key), ...message.fields }),
  });
  // The models the cache and the backends hold. The gateway filters llm_inference tasks
  // on them strictly, so a change is registered again (models.changed).
  const models = watchModelInventory(createModelInventory(config, { logger: logger.withTag('models') }), {
    intervalMillis: config.modelRefreshSeconds * 1000,
    onChange: () => {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'models.changed' });
    },
  });
  const realEffects = createRealEffects({
    config,
    api,
    reporter,
    pool,
    logger,
    // Through the watcher: what registration sends is the set the watcher compares with.
    listModels: () => models.list(),
    // Tasks the control plane leased in a poll the poller no longer waited for: still ours to run.
    onLatePoll: (items) => {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'assignments', items });
    },
  });
  const composed: WorkerEffects = {
    ...realEffects,
    // A heartbeat that got through means the control plane answers again: retry waiting reports now.
    heartbeat: async (load, signal) => {
      // After a restart, stay silent for one lease duration (see DurableState.previousRun).
      if (Date.now() < heartbeatsHeldUntil) return;
      await realEffects.heartbeat(load, signal);
      reporter.wake();
    },
    execute: async (assignment, signal) => {
      const result = await realEffects.execute(assignment, signal);
      if (!signal.aborted) health.noteTask(result.ok, result.ok ? '' : result.error);
      return result;
    },
    ...options.effects,
  };
  const effects = options.instrument?.effects?.(composed) ?? composed;
  const logic = createSupervisorLogic(effects, options.delays);
  const cpu = registeredCpu(config);
  const capacity = gatewayCapacity(cpu, detectGpu(config.gpu));
  const actor = createActor(logic, {
    input: {
      workerId: config.workerId,
      maxParallelTasks: config.maxParallelTasks,
      gatewayCapacity: capacity,
      heartbeatMillis: config.heartbeatSeconds * 1000,
      pollMillis: config.pollMillis,
      drainGraceMillis: config.drainGraceSeconds * 1000,
      drainForceMillis: config.drainForceSeconds * 1000,
    },
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });

  const supervisorLog = logger.withTag('supervisor');
  const health = new HealthMonitor({
    pendingReports: () => reporter.pending,
    sandboxProblem: detectSandboxLevel(config.sandbox).refusal,
    onChange: (next, reason) => {
      if (next === 'degraded') supervisorLog.warn(`health: degraded: ${reason}`);
      else supervisorLog.info('health: healthy again');
      actor.send({ type: 'health', health: next, reason });
    },
  });

  let heartbeatsHeldUntil = 0;
  let shutdowns = 0;
  let started = false;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<SupervisorOutput>((resolve) => {
    const finish = async (output: SupervisorOutput) => {
      // Journal removals are queued, not awaited, by each save: write them before saying we stopped.
      await durable?.journal.flush().catch(() => undefined);
      durable?.markStopped();
      health.stop();
      models.stop();
      reporter.close();
      await pool.destroy().catch(() => undefined);
      await ioThread?.close();
      ownClient?.close();
      resolve(output);
    };
    fail = (error) => void finish({ status: 'failed', error: `state dir ${durable?.dir ?? ''}: ${error instanceof Error ? error.message : String(error)}` });
    actor.subscribe({
      complete: () => void finish(actor.getSnapshot().output ?? { status: 'stopped', error: '' }),
      // Machines route every child error; anything reaching here is a bug: fail, don't crash.
      error: (error) => {
        logger.withTag('supervisor').error('supervisor crashed', error);
        void finish({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
      },
    });
  });

  return {
    config,
    actor,
    reporter,
    logger,
    start: () => {
      if (started) return;
      started = true;
      // The previous run's reports and interrupted tasks are handed to the reporter
      // before the supervisor starts, so before this worker asks for any new work.
      const recovery = durable === undefined ? Promise.resolve(undefined) : durable.recover(reporter);
      recovery.then(
        (summary) => {
          if (summary !== undefined && summary.resumed + summary.interrupted + summary.corrupt > 0) {
            logger.withTag('supervisor').info('recovered state of the previous run', { reports_resumed: summary.resumed, tasks_interrupted: summary.interrupted, corrupt_files: summary.corrupt });
          }
          // From the previous run's stop (when known; else from now) plus one lease.
          const holdUntil = durable?.previousRun === true ? (durable.previousStoppedAt ?? Date.now()) + config.leaseSeconds * 1000 : 0;
          if (holdUntil > Date.now()) {
            heartbeatsHeldUntil = holdUntil;
            supervisorLog.info(`restarted: holding heartbeats back ${((holdUntil - Date.now()) / 1000).toFixed(1)} s so leases of assignments the previous run never started expire`);
          }
          const note = capacityNote({ cpu, capacity, slots: config.maxParallelTasks });
          supervisorLog[note.level](note.message, note.fields);
          actor.start();
          health.check();
          health.start(1000);
        },
        (error: unknown) => {
          logger.withTag('supervisor').error('could not recover the state of the previous run', { error: error instanceof Error ? error.message : String(error) });
          fail(error);
        },
      );
    },
    shutdown: (reason = 'shutdown requested') => {
      shutdowns++;
      logger.withTag('supervisor').info(shutdowns === 1 ? `${reason}: draining` : `${reason}: aborting in-flight tasks`);
      actor.send({ type: 'shutdown', reason });
    },
    done,
    async stop() {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'shutdown', reason: 'stop()' });
      return done;
    },
  };
}
