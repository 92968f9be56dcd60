import { describe, expect, it } from 'vitest';
import type { ControlPlaneApi } from '../../actors/controlPlaneClient.js';
import { IdleThenThreadClient } from '../../actors/idleThenThreadClient.js';

/** A fake API that records which of the two sides got each call. */
function recording(side: string, log: string[]): ControlPlaneApi {
  return {
    register: async () => (log.push(`${side}:register`), { accepted: true }),
    heartbeat: async () => void log.push(`${side}:heartbeat`),
    poll: async () => (log.push(`${side}:poll`), []),
    report: async () => void log.push(`${side}:report`),
    healthz: async () => void log.push(`${side}:healthz`),
  };
}

const heartbeat = { queue_depth: 0, running_tasks: 0, cpu_utilization: 0, memory_utilization: 0, health: 'healthy' as const, timestamp_unix: 1 };
const report = { worker_id: 'w', job_id: 'j', task_id: 't', lease_id: 'l', idempotency_key: 'k', status: 'Running' as const, output_artifact_uri: '', error: '', duration_millis: 0 };

describe('IdleThenThreadClient', () => {
  it('keeps an idle worker on the in-thread client and moves every call to the I/O thread from the first report on', async () => {
    const log: string[] = [];
    const client = new IdleThenThreadClient(recording('main', log), recording('thread', log));
    await client.register({ worker_id: 'w', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' });
    await client.heartbeat('w', heartbeat);
    await client.poll('w', 1);
    await client.healthz();
    expect(client.threaded).toBe(false);
    await client.report(report);
    await client.poll('w', 1);
    await client.heartbeat('w', heartbeat);
    await client.register({ worker_id: 'w', cpu: 1, memory: '1Gi', gpu: false, models: [], tools: [], backends: [], locality: '' });
    expect(client.threaded).toBe(true);
    expect(log).toEqual(['main:register', 'main:heartbeat', 'main:poll', 'main:healthz', 'thread:report', 'thread:poll', 'thread:heartbeat', 'thread:register']);
  });
});
