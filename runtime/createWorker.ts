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
import { ControlPlaneClient, type ControlPlaneApi } from '../actors/controlPlaneClient.js';
import { Reporter, type ReportStore } from '../actors/reporter.js';
import { TaskPool } from '../actors/taskPool.js';
import type { WorkerConfig } from '../config/definitions.js';
import { resolveConfig, secretValues } from '../config/load.js';
import { createSupervisorLogic, type DelayOverrides } from '../machines/createSupervisorLogic.js';
import type { WorkerEffects } from '../machines/effects.js';
import type { supervisorMachine, SupervisorOutput } from '../machines/supervisor.js';
import { createLogger } from './logger.js';
import { createRealEffects } from './realEffects.js';

export interface CreateWorkerOptions {
  /** Settings; missing ones take their defaults, every value is validated. */
  readonly config?: Partial<WorkerConfig>;
  /** Replace any effect (e.g. `execute` with a fake) while keeping the real machines. */
  readonly effects?: Partial<WorkerEffects>;
  /** Use this control-plane API instead of the HTTP client (tests). */
  readonly api?: ControlPlaneApi;
  /** Where reports wait for delivery across restarts (the durable outbox). */
  readonly reportStore?: ReportStore;
  readonly logger?: ConsolaInstance;
  /** XState inspection observer (the inspector uses it). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly delays?: DelayOverrides;
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
  const api =
    options.api ??
    new ControlPlaneClient({ baseUrl: config.controlPlaneUrl, token: config.apiToken, timeoutMillis: config.requestTimeoutMillis });
  const reportLog = logger.withTag('reporter');
  const reporter = new Reporter({
    api,
    ...(options.reportStore === undefined ? {} : { store: options.reportStore }),
    onSettled: (report, outcome, detail) => {
      if (outcome !== 'delivered') reportLog.warn(`report dropped (${outcome}): ${detail}`, { job_id: report.job_id, task_id: report.task_id, status: report.status });
    },
    onRetry: (report, attempt, error) => {
      if (attempt === 1 || Number.isInteger(Math.log2(attempt))) reportLog.warn(`report not delivered yet; retrying: ${error}`, { job_id: report.job_id, task_id: report.task_id, status: report.status, attempt });
    },
  });
  const taskLog = logger.withTag('task');
  const pool = new TaskPool(config, {
    onLog: (message) => taskLog[message.level](message.message, { task: message.key, ...message.fields }),
  });
  const realEffects = createRealEffects({ config, api, reporter, pool, logger, listModels: async () => [] });
  const effects: WorkerEffects = { ...realEffects, ...options.effects };
  const logic = createSupervisorLogic(effects, options.delays);
  const actor = createActor(logic, {
    input: {
      workerId: config.workerId,
      maxParallelTasks: config.maxParallelTasks,
      heartbeatMillis: config.heartbeatSeconds * 1000,
      pollMillis: config.pollMillis,
      drainGraceMillis: config.drainGraceSeconds * 1000,
      drainForceMillis: config.drainForceSeconds * 1000,
    },
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });

  let shutdowns = 0;
  const done = new Promise<SupervisorOutput>((resolve) => {
    const finish = async (output: SupervisorOutput) => {
      reporter.close();
      await pool.destroy().catch(() => undefined);
      resolve(output);
    };
    actor.subscribe({
      complete: () => void finish(actor.getSnapshot().output ?? { status: 'stopped', error: '' }),
      // Machines route every child error; anything reaching here is a bug: fail, don't crash.
      error: (error) => {
        logger.error('supervisor crashed', error);
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
      actor.start();
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
