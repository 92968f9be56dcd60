/**
 * Property tests of the protocol layer: whatever the network hands the worker
 * (random JSON, hostile assignments, wrong statuses, non-JSON bodies), parsing
 * never throws, and the client only ever fails with a classified
 * ControlPlaneError the machines know how to route.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneClient } from '../../actors/controlPlaneClient.js';
import { isControlPlaneError } from '../../base/ControlPlaneError.js';
import { parseAssignment } from '../../protocol/parseAssignment.js';
import { hostileAssignment } from './arbitraries.js';

describe('parseAssignment', () => {
  it('never throws, and classifies every item', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), hostileAssignment), (raw) => {
        const parsed = parseAssignment(raw);
        expect(['valid', 'reportable', 'unidentifiable']).toContain(parsed.kind);
        if (parsed.kind === 'valid') {
          expect(parsed.assignment.job_id.length).toBeGreaterThan(0);
          expect(Number.isInteger(parsed.assignment.attempt)).toBe(true);
          for (const value of Object.values(parsed.assignment.inputs)) expect(typeof value).toBe('string');
        } else if (parsed.kind === 'reportable') {
          expect(parsed.jobId.trim()).not.toBe('');
          expect(parsed.taskId.trim()).not.toBe('');
          expect(parsed.error).toMatch(/^malformed assignment: /);
        } else {
          expect(parsed.error).toMatch(/^malformed assignment: /);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('survives items straight out of JSON.parse, __proto__ keys included', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (job, value) => {
        const text = `{"job_id":${JSON.stringify(job)},"task_id":"t","type":"x","attempt":1,"__proto__":{"polluted":${JSON.stringify(value)}},"inputs":{"__proto__":${JSON.stringify(value)}}}`;
        const parsed = parseAssignment(JSON.parse(text));
        expect(['valid', 'reportable', 'unidentifiable']).toContain(parsed.kind);
        if (job === '') expect(parsed.kind).not.toBe('valid');
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});

/** What the fake control plane answers next. */
interface Reply {
  status: number;
  body: string;
  reset: boolean;
}

describe('control-plane client parsing', () => {
  let server: Server;
  let client: ControlPlaneClient;
  let next: Reply = { status: 200, body: '{}', reset: false };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (next.reset) {
          req.socket.destroy();
          return;
        }
        res.writeHead(next.status, { 'content-type': 'application/json' });
        res.end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new ControlPlaneClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMillis: 2000 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const body = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.record({ assignments: fc.oneof(fc.constant(null), fc.array(fc.oneof(fc.jsonValue(), hostileAssignment), { maxLength: 5 })) }).map((value) => JSON.stringify(value)),
    fc.record({ accepted: fc.oneof(fc.boolean(), fc.jsonValue()), heartbeat_interval_seconds: fc.oneof(fc.double(), fc.constant(null), fc.string()) }).map((value) => JSON.stringify(value)),
    fc.record({ error: fc.oneof(fc.string(), fc.constant('stale lease for task t1'), fc.jsonValue()) }).map((value) => JSON.stringify(value)),
    fc.string(),
    fc.constant('<html><body>502 Bad Gateway</body></html>'),
    fc.constant(''),
  );
  const reply = fc.record({
    status: fc.oneof(fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 405, 408, 429, 500, 502, 503), fc.integer({ min: 200, max: 599 })),
    body,
    reset: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });
  const operation = fc.constantFrom('register', 'heartbeat', 'poll', 'report', 'healthz');

  it('every call resolves with the right shape or rejects with a classified ControlPlaneError', async () => {
    await fc.assert(
      fc.asyncProperty(reply, operation, async (r, op) => {
        // 204 and 1xx-like statuses cannot carry a body on node's server.
        next = r.status === 204 ? { ...r, body: '' } : r;
        try {
          if (op === 'register') {
            const out = await client.register({ worker_id: 'w1', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: 'local' });
            expect(typeof out.accepted).toBe('boolean');
          } else if (op === 'heartbeat') {
            await client.heartbeat('w1', { queue_depth: 0, running_tasks: 0, cpu_utilization: 0, memory_utilization: 0, health: 'healthy', timestamp_unix: 0 });
          } else if (op === 'poll') {
            const items = await client.poll('w1', 2);
            expect(items === null || Array.isArray(items)).toBe(true);
            for (const item of items ?? []) expect(() => parseAssignment(item)).not.toThrow();
          } else if (op === 'report') {
            await client.report({ worker_id: 'w1', job_id: 'j', task_id: 't', lease_id: '', idempotency_key: 'k', status: 'Completed', output_artifact_uri: '', error: '', duration_millis: 0 });
          } else {
            await client.healthz();
          }
          expect(r.reset).toBe(false);
          expect(next.status).toBeGreaterThanOrEqual(200);
          expect(next.status).toBeLessThan(300);
        } catch (error) {
          expect(isControlPlaneError(error), String(error)).toBe(true);
          if (isControlPlaneError(error)) expect(['auth', 'not-registered', 'stale-lease', 'job-gone', 'rejected', 'transient']).toContain(error.kind);
        }
      }),
      { numRuns: 150 },
    );
  });
});
