import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { otlpTracesUrl, startTracing, type WorkerTracing } from '../../telemetry/tracing.js';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
let tracing: WorkerTracing | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await harness?.close();
  await tracing?.shutdown();
  await new Promise<void>((resolve) => (receiver === undefined ? resolve() : receiver.close(() => resolve())));
  harness = undefined;
  tracing = undefined;
  receiver = undefined;
});

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

describe('traces', () => {
  it('records poll, execute and control-plane spans with the worker, job and task ids', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ workerId: 'ops-worker', exporter, env: {} });
    expect(tracing).toBeDefined();
    harness = await startHarness({ instrument: tracing! });
    harness.worker.start();
    const cp = harness.controlPlane.controlPlane;
    const { job_id } = cp.submitJob({ job_id: 'job-traced', tasks: [{ task_id: 't1', type: 'aggregation', inputs: { items_json: '[{"a":1}]' } }] });
    await cp.waitForJob(job_id, { timeoutMs: 10_000 });
    await eventually(() => named(exporter.getFinishedSpans(), 'control_plane.report').length >= 2, 'both reports traced');

    const spans = exporter.getFinishedSpans();
    const [execute] = named(spans, 'worker.execute_task');
    expect(execute?.attributes).toMatchObject({ 'worker.id': 'ops-worker', 'job.id': 'job-traced', 'task.id': 't1', 'task.type': 'aggregation', 'task.attempt': 1 });
    expect(execute?.status.code).toBe(0); // UNSET: the task succeeded

    const polls = named(spans, 'worker.poll_assignments');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.some((span) => span.attributes['splai.assignments'] === 1)).toBe(true);
    expect(polls[0]?.attributes['worker.id']).toBe('ops-worker');

    for (const operation of ['register', 'heartbeat', 'poll', 'report']) {
      const calls = named(spans, `control_plane.${operation}`);
      expect(calls.length, operation).toBeGreaterThan(0);
      expect(calls[0]?.kind).toBe(2); // CLIENT
    }
    // Each control-plane poll is a child of the poll_assignments span that made it.
    const pollIds = new Set(polls.map((span) => span.spanContext().spanId));
    for (const call of named(spans, 'control_plane.poll')) expect(pollIds.has(call.parentSpanContext?.spanId ?? '')).toBe(true);
  });

  it('marks a refused control-plane call as an error with its kind and status', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({ workerId: 'ops-worker', exporter, env: {} });
    harness = await startHarness({ instrument: tracing!, tokens: ['right-token'], config: { apiToken: 'wrong-token' } });
    // The gateway reads the token on reports only: the first report is the refused call.
    harness.controlPlane.controlPlane.submitJob({ tasks: [{ task_id: 't', type: 'aggregation', inputs: { items_json: '[{"a":1}]' } }] });
    harness.worker.start();
    const output = await harness.worker.done;
    expect(output.status).toBe('failed');
    const [report] = named(exporter.getFinishedSpans(), 'control_plane.report');
    expect(report?.status.code).toBe(2); // ERROR
    expect(report?.attributes).toMatchObject({ 'splai.error_kind': 'auth', 'http.response.status_code': 401 });
  });

  it('is off, loading nothing, unless an OTLP endpoint is configured', async () => {
    expect(await startTracing({ workerId: 'w', env: {} })).toBeUndefined();
    expect(await startTracing({ workerId: 'w', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' } })).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/t' })).toBe('http://b/t');
    // The SDK (and the API) may only be loaded with import(): a static import would cost every worker.
    const source = readFileSync(new URL('../../telemetry/tracing.ts', import.meta.url), 'utf8');
    const staticImports = source.split('\n').filter((line) => /^import .*@opentelemetry/.test(line));
    expect(staticImports.length).toBeGreaterThan(0);
    for (const line of staticImports) expect(line).toMatch(/^import type /);
  });

  it('exports over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const bodies: { path: string; body: string }[] = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('latin1') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    tracing = await startTracing({ workerId: 'otlp-worker', env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'worker-under-test' } });
    expect(tracing?.destination).toBe(`OTLP/HTTP http://127.0.0.1:${port}/v1/traces`);
    harness = await startHarness({ instrument: tracing! });
    harness.worker.start();
    await eventually(() => harness!.worker.actor.getSnapshot().value === 'idle', 'registered');
    await harness.worker.stop();
    await tracing!.shutdown();
    tracing = undefined;
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies[0]?.path).toBe('/v1/traces');
    const all = bodies.map((b) => b.body).join('');
    expect(all).toContain('control_plane.register');
    expect(all).toContain('worker-under-test');
  });
});
