/**
 * The wire contract through the real HTTP server (node:http on 127.0.0.1:0),
 * plus what only a real socket can show: keep-alive reuse and close().
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startControlPlaneServer } from '../../control-plane/httpServer.js';
import { describeWireConformance } from './wireConformance.js';

describeWireConformance('HTTP face', async (options) => {
  const server = await startControlPlaneServer({ ...options, port: 0, sweepIntervalMs: 0 });
  return { baseUrl: server.url, controlPlane: server.controlPlane, close: () => server.close() };
});

describe('HTTP face: server', () => {
  it('serves many requests over one keep-alive connection, and close() ends idle connections', async () => {
    const server = await startControlPlaneServer({ port: 0 });
    try {
      const sockets = new Set<unknown>();
      const { Agent } = await import('node:http');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<string>((resolve, reject) => {
          const req = request(`${server.url}/healthz`, { agent }, (res) => {
            sockets.add(res.socket);
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        });
      for (let i = 0; i < 20; i++) expect(await get()).toBe('{"status":"ok"}\n');
      expect(sockets.size).toBe(1);
      expect(server.controlPlane.requestCounts.healthz).toBe(20);
      agent.destroy();
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('sweeps lease expiry on a timer when asked (sweepIntervalMs; not gateway behaviour, off by default)', async () => {
    const server = await startControlPlaneServer({ port: 0, leaseMs: 30, sweepIntervalMs: 10 });
    try {
      const cp = server.controlPlane;
      cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
      cp.register({ worker_id: 'w' });
      cp.assignments('w', 1);
      const requeued = new Promise<string>((resolve) => {
        cp.subscribe((e) => {
          if (e.type === 'task.requeued') resolve(e.reason);
        });
      });
      await expect(requeued).resolves.toBe('lease_expired');
    } finally {
      await server.close();
    }
  });
});
