/**
 * One call to get a mocked SPLAI control plane for a vitest suite.
 */
import type { HttpHandler } from 'msw';
import { ControlPlane, type ControlPlaneOptions } from '../control-plane/ControlPlane.js';
import { controlPlaneHandlers } from '../control-plane/mswHandlers.js';

/** Options of {@link createMockControlPlane}: the control plane's own, plus its base URL. */
export interface MockControlPlaneOptions extends ControlPlaneOptions {
  /** Base URL the handlers answer under (default `http://splai.test`). Give the worker the same URL. */
  readonly baseUrl?: string;
}

/** A control plane and the MSW handlers that serve it. */
export interface MockControlPlane {
  /** The in-memory gateway: submit jobs, read tasks, inject faults, move its clock. */
  readonly controlPlane: ControlPlane;
  /** Pass to msw's `setupServer(...handlers)` (or `server.use(...handlers)`). */
  readonly handlers: HttpHandler[];
  /** The URL the handlers answer under, without trailing slash. */
  readonly baseUrl: string;
}

/**
 * Creates an in-memory control plane and its MSW handlers.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { createMockControlPlane, ManualClock } from 'splai-worker/testing';
 *
 * const clock = new ManualClock();
 * const { controlPlane, handlers, baseUrl } = createMockControlPlane({ clock });
 * const server = setupServer(...handlers);
 * server.listen({ onUnhandledRequest: 'error' });
 *
 * const { job_id } = controlPlane.submitJob({
 *   tasks: [{ task_id: 'embed', type: 'embedding', inputs: { text: 'hello' } }],
 * });
 * // ... start a worker with SPLAI_CONTROL_PLANE_URL = baseUrl ...
 * const job = await controlPlane.waitForJob(job_id, { timeoutMs: 10_000 });
 * ```
 */
export function createMockControlPlane(options: MockControlPlaneOptions = {}): MockControlPlane {
  const baseUrl = (options.baseUrl ?? 'http://splai.test').replace(/\/+$/, '');
  const controlPlane = new ControlPlane(options);
  return { controlPlane, handlers: controlPlaneHandlers(controlPlane, baseUrl), baseUrl };
}
