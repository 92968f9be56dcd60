/**
 * splai-worker: a worker agent for the SPLAI distributed AI platform.
 *
 * The package root exports the library entry ({@link createWorker}), the
 * machines (to inspect, test or run with your own effects) and the wire types.
 * The test kit (an MSW-mockable development control plane) is
 * `splai-worker/testing`.
 *
 * @packageDocumentation
 */
export { createWorker, type CreateWorkerOptions, type SplaiWorker } from './runtime/createWorker.js';
export { createLogger, type LoggerOptions } from './runtime/logger.js';
export { startWorkerEndpoints, addWorkerRoutes, openWorkerHttpServer, type WorkerEndpointsOptions } from './runtime/endpoints.js';
export { startWorkerHttpServer, type WorkerHttpServer, type RouteHandler } from './runtime/httpServer.js';
export type { WorkerStatus } from './runtime/endpointsStatus.js';
export type { WorkerInstrument } from './telemetry/instrument.js';
export { WorkerMetrics, METRIC_NAMES, type WorkerMetricsOptions } from './telemetry/metrics.js';
export { startTracing, type TracingOptions, type WorkerTracing } from './telemetry/tracing.js';
export { composeInstruments } from './telemetry/composeInstruments.js';
export { createSupervisorLogic, type DelayOverrides } from './machines/createSupervisorLogic.js';
export { supervisorMachine, type SupervisorInput, type SupervisorOutput, type SupervisorContext, type TaskEntry } from './machines/supervisor.js';
export { registrationMachine, type RegistrationOutput } from './machines/registration.js';
export { heartbeatMachine } from './machines/heartbeat.js';
export { pollerMachine } from './machines/poller.js';
export { taskMachine, type TaskInput, type TaskOutput } from './machines/task.js';
export { inertEffects, type WorkerEffects, type ExecutionResult, type HeartbeatLoad, type LogEntry, type ActorName } from './machines/effects.js';
export { ControlPlaneClient, type ControlPlaneApi, type ControlPlaneClientOptions } from './actors/controlPlaneClient.js';
export { ControlPlaneError, isControlPlaneError, type ControlPlaneErrorKind } from './base/ControlPlaneError.js';
export { Reporter, type ReportOutcome, type ReportStore, type ReporterOptions } from './actors/reporter.js';
export { loadConfig, resolveConfig, redactConfig, secretValues, type ConfigSources } from './config/load.js';
export { definitions, type WorkerConfig, type ConfigKey } from './config/definitions.js';
export { ConfigError, isConfigError } from './config/ConfigError.js';
export * from './protocol/index.js';
