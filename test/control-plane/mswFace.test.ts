/**
 * The wire contract through the MSW handlers (no socket), with
 * `onUnhandledRequest: 'error'` so a request outside the control plane fails.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../control-plane/ControlPlane.js';
import { controlPlaneHandlers } from '../../control-plane/mswHandlers.js';
import { describeWireConformance } from './wireConformance.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let n = 0;
describeWireConformance('MSW face', async (options) => {
  const controlPlane = new ControlPlane(options);
  const baseUrl = `http://splai-${++n}.test`;
  server.use(...controlPlaneHandlers(controlPlane, baseUrl));
  return { baseUrl, controlPlane, close: async () => {} };
});

describe('MSW face: base URL', () => {
  it('serves under a base path and leaves other paths and hosts unhandled', async () => {
    const controlPlane = new ControlPlane();
    server.use(...controlPlaneHandlers(controlPlane, 'http://gateway.test/api/'));
    const res = await fetch('http://gateway.test/api/v1/workers/register', { method: 'POST', body: '{"worker_id":"w"}' });
    expect(await res.json()).toEqual({ accepted: true, heartbeat_interval_seconds: 5 });
    expect(controlPlane.worker('w')).toBeDefined();
    await expect(fetch('http://gateway.test/healthz')).rejects.toThrow();
    await expect(fetch('http://other.test/healthz')).rejects.toThrow();
  });
});
