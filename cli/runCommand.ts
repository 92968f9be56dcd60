/**
 * `splai-worker run`: the daemon. Loads and validates the configuration, starts
 * the worker, turns SIGINT/SIGTERM into a drain (a second signal aborts what is
 * left, a third exits at once) and exits 0 after a clean stop, 1 when the worker
 * failed (e.g. 401 on register), 2 on a configuration error.
 */
import { isConfigError } from '../config/ConfigError.js';
import { keepWasmOnBaselineCompiler } from '../runtime/wasmTiering.js';
import type { WorkerConfig } from '../config/definitions.js';
import { loadConfig, redactConfig, secretValues } from '../config/load.js';
import { createLogger } from '../runtime/logger.js';
import { createWorker, type SplaiWorker } from '../runtime/createWorker.js';
import { loadInspection } from '../inspector/loadInspection.js';
import { addWorkerRoutes, openWorkerHttpServer } from '../runtime/endpoints.js';
import type { WorkerHttpServer } from '../runtime/httpServer.js';
import { composeInstruments } from '../telemetry/composeInstruments.js';
import { WorkerMetrics } from '../telemetry/metrics.js';
import { startTracing } from '../telemetry/tracing.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import { parseArgs } from './args.js';
import { configFlags, settingsHelp } from './configFlags.js';
import { packageVersion } from '../base/version.js';

export interface CommandIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Handle process signals (default true; tests embedding the command pass false). */
  readonly handleSignals?: boolean;
  /** Called once the worker is created (tests, the inspector). */
  readonly onWorker?: (worker: SplaiWorker) => void;
  /** Called with the worker HTTP server (SPLAI_HTTP_ADDR) once it listens: add routes to it. */
  readonly onHttpServer?: (server: WorkerHttpServer, worker: SplaiWorker) => void;
}

const OWN_FLAGS = ['config', 'help'];

export function runHelp(): string {
  const sandbox = detectSandboxLevel('auto');
  return `Usage: splai-worker run [--config file.json] [--<setting> value ...]

Runs the worker daemon: registers with the SPLAI control plane, heartbeats,
polls for assignments and runs them in sandboxed worker threads.
Precedence of settings: flags > environment > config file > defaults.
A config file is a JSON object of settings by key or variable name.

Sandbox on this host (SPLAI_SANDBOX=auto): ${sandbox.summary}

Signals: SIGTERM/SIGINT drain (finish in-flight tasks, report, exit 0);
a second signal aborts in-flight tasks (reported Failed "worker shutting down");
a third exits at once.

${settingsHelp()}
`;
}

export async function runWorkerCommand(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const { flags, positionals } = parseArgs(argv, ['help']);
  if (flags.has('help')) {
    stdout(runHelp());
    return 0;
  }
  keepWasmOnBaselineCompiler();
  let config: WorkerConfig;
  try {
    if (positionals.length > 0) throw Object.assign(new Error(`unexpected argument "${positionals[0]}"`), { name: 'ConfigError' });
    const file = flags.get('config');
    // A bare `--inspect` means the built-in inspector (every other setting needs a value).
    if (flags.get('inspect') === true) flags.set('inspect', 'builtin');
    config = loadConfig({
      flags: configFlags(flags, OWN_FLAGS),
      env: io.env ?? process.env,
      ...(typeof file === 'string' ? { file } : {}),
    });
  } catch (error) {
    if (isConfigError(error)) {
      stderr(`splai-worker: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const logger = createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretValues(config), write: stderr });
  const sandbox = detectSandboxLevel(config.sandbox);
  logger.withTag('supervisor').info(`starting worker ${config.workerId}`, { control_plane: config.controlPlaneUrl, max_parallel_tasks: config.maxParallelTasks, sandbox: sandbox.level });
  logger.withTag('supervisor').info(`sandbox: ${sandbox.summary}`);
  logger.withTag('supervisor').debug('configuration', redactConfig(config));

  const supervisorLog = logger.withTag('supervisor');
  let server: WorkerHttpServer | undefined;
  try {
    server = await openWorkerHttpServer(config.httpAddr);
  } catch (error) {
    stderr(`splai-worker: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const metrics = new WorkerMetrics();
  const tracing = await startTracing({ workerId: config.workerId, env: io.env ?? process.env, serviceVersion: packageVersion() }).catch((error: unknown) => {
    supervisorLog.warn(`tracing disabled: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (tracing !== undefined) supervisorLog.info(`tracing to ${tracing.destination}`);

  // Off by default: then no observer is passed at all and XState does no inspection work.
  const inspection = await loadInspection({ setting: config.inspect, secrets: secretValues(config) });
  // The daemon's HTTP calls run on an I/O thread: the main thread keeps the machines, the pool and the heartbeats.
  const worker = createWorker({ config, logger, controlPlaneThread: true, instrument: composeInstruments(tracing, metrics), ...(inspection.inspect === undefined ? {} : { inspect: inspection.inspect }) });
  io.onWorker?.(worker);
  // Signal listeners before anything announces readiness (URLs on stderr): Node
  // installs a signal handler only once a listener exists.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals >= 3) {
      logger.withTag('supervisor').error(`${signal} received a third time: exiting now`);
      process.exit(130);
    }
    worker.shutdown(`${signal} received`);
  };
  if (io.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  if (server !== undefined) {
    addWorkerRoutes(server, worker, { metrics, sandboxLevel: sandbox.level });
    supervisorLog.info(`http endpoint listening at ${server.url} (/healthz /readyz /status /metrics)`);
    const inspectorUrl = inspection.mount(server);
    if (inspectorUrl !== undefined) stderr(`splai-worker: inspector (${inspection.mode}) at ${inspectorUrl}\n`);
    io.onHttpServer?.(server, worker);
  } else if (inspection.mode !== 'off') {
    supervisorLog.warn('the inspector needs the HTTP endpoint, but SPLAI_HTTP_ADDR is off: not serving it');
  }
  worker.start();
  const output = await worker.done;
  inspection.close();
  await server?.close();
  await tracing?.shutdown().catch(() => undefined);
  if (io.handleSignals ?? true) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (output.status === 'failed') {
    stderr(`splai-worker: worker failed: ${output.error}\n`);
    return 1;
  }
  return 0;
}
