/**
 * `splai-worker/testing`: a SPLAI control plane for your tests.
 *
 * The development control plane is an in-memory gateway and scheduler that
 * behaves like the real SPLAI api-gateway, rule by rule: best worker only,
 * capacity from `cpu`, leases that expire when a worker polls, retries with
 * `max_retries` 0 by default, late reports applied, the gateway's `null` and
 * `[]`, its auth and its error answers. Use it through MSW handlers
 * ({@link createMockControlPlane}, {@link controlPlaneHandlers}) in unit tests,
 * or on a real port ({@link startControlPlaneServer}) in integration tests.
 * See docs/testing.md.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { createMockControlPlane } from 'splai-worker/testing';
 *
 * const { controlPlane, handlers, baseUrl } = createMockControlPlane();
 * const server = setupServer(...handlers);
 * server.listen({ onUnhandledRequest: 'error' });
 * await fetch(`${baseUrl}/v1/workers/register`, {
 *   method: 'POST',
 *   body: JSON.stringify({ worker_id: 'w1' }),
 * }); // 200 {"accepted":true,"heartbeat_interval_seconds":5}
 * ```
 *
 * @packageDocumentation
 */
export {
  ControlPlane,
  type ControlPlaneOptions,
  type RegisterReply,
  type AssignmentsReply,
  type SubmitReply,
  type RestartOptions,
  type QueueRef,
} from '../control-plane/ControlPlane.js';
export type { StaleRefs } from '../control-plane/store.js';
export { DEFAULT_MODEL, DEFAULT_BACKEND } from '../control-plane/injection.js';
export { ManualClock, systemClock, type Clock } from '../control-plane/clock.js';
export { GatewayError, isGatewayError } from '../control-plane/GatewayError.js';
export { controlPlaneHandlers } from '../control-plane/mswHandlers.js';
export {
  startControlPlaneServer,
  type ControlPlaneServerOptions,
  type RunningControlPlane,
} from '../control-plane/httpServer.js';
export { FaultInjector, GARBAGE_BODY, type Endpoint, type FaultSpec, type FaultDecision, type FaultCounts } from '../control-plane/faults.js';
export { REPORT_SCOPE, type TokenSpec, type TenantAction } from '../control-plane/auth.js';
export type { ControlPlaneEvent, ControlPlaneListener, ReportOutcome, RequeueReason } from '../control-plane/events.js';
export type { JobSubmission, TaskSubmission, RegisterBody, HeartbeatBody, ReportBody } from '../control-plane/wire.js';
export type { JobView, TaskView, TaskCounts, WorkerView, ReportEntry, JobState, TaskState } from '../control-plane/types.js';
export { createMockControlPlane, type MockControlPlane, type MockControlPlaneOptions } from './createMockControlPlane.js';
