/**
 * OpenTelemetry traces of a worker: `worker.poll_assignments` around each poll,
 * `worker.execute_task` around each execution, and one client span per
 * control-plane call (`control_plane.<operation>`), nested under the poll or
 * execution that made it.
 *
 * Zero cost when off: nothing here imports the SDK (or even the API) unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set or an exporter
 * is passed, and then only through dynamic `import()`. Without tracing the worker
 * gets no wrapper at all.
 *
 * No global state is touched (no global tracer provider or context manager), so a
 * host application's own OpenTelemetry setup is left alone: the parent span of a
 * control-plane call is carried in an AsyncLocalStorage of this module.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as OtelApi from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Operation } from '../actors/classifyResponse.js';
import type { WorkerEffects } from '../machines/effects.js';
import type { WorkerInstrument } from './instrument.js';

export interface TracingOptions {
  readonly workerId: string;
  /** Where OTEL_* variables are read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Export to this exporter instead of OTLP (tests: InMemorySpanExporter); spans are exported as they end. */
  readonly exporter?: SpanExporter;
  readonly serviceVersion?: string;
}

export interface WorkerTracing extends Required<WorkerInstrument> {
  /** Where spans go, for the start log. */
  readonly destination: string;
  /** Export what is buffered and stop. */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL configured by the standard variables, if any. */
export function otlpTracesUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Start tracing when configured; resolves undefined (and loads nothing) when not.
 *
 * @example
 * ```ts
 * const tracing = await startTracing({ workerId: config.workerId });
 * const worker = createWorker({ config, ...(tracing ? { instrument: tracing } : {}) });
 * // at exit
 * await tracing?.shutdown();
 * ```
 */
export async function startTracing(options: TracingOptions): Promise<WorkerTracing | undefined> {
  const env = options.env ?? process.env;
  const url = otlpTracesUrl(env);
  if (options.exporter === undefined && (url === undefined || env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true')) return undefined;

  const [api, sdk, resources] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/resources')]);
  let processor;
  if (options.exporter !== undefined) processor = new sdk.SimpleSpanProcessor(options.exporter);
  else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: url! }));
  }
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME']?.trim() || 'splai-worker',
      'service.instance.id': options.workerId,
      ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }),
    }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('splai-worker', options.serviceVersion);
  const instrument = createTracingInstrument(tracer, api, options.workerId);
  return {
    ...instrument,
    destination: options.exporter !== undefined ? 'the given exporter' : `OTLP/HTTP ${url}`,
    shutdown: () => provider.shutdown(),
  };
}

type Api = typeof OtelApi;

function createTracingInstrument(tracer: Tracer, api: Api, workerId: string): Required<WorkerInstrument> {
  const current = new AsyncLocalStorage<Span>();
  const parentContext = () => {
    const parent = current.getStore();
    return parent === undefined ? api.ROOT_CONTEXT : api.trace.setSpan(api.ROOT_CONTEXT, parent);
  };
  const fail = (span: Span, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message });
    if (error instanceof Error) span.recordException(error);
  };

  const around = async <T>(operation: Operation, call: () => Promise<T>): Promise<T> => {
    const span = tracer.startSpan(`control_plane.${operation}`, { kind: api.SpanKind.CLIENT, attributes: { 'worker.id': workerId, 'splai.operation': operation } }, parentContext());
    try {
      return await call();
    } catch (error) {
      const kind = (error as { kind?: unknown }).kind;
      const status = (error as { status?: unknown }).status;
      if (typeof kind === 'string') span.setAttribute('splai.error_kind', kind);
      if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  };

  const effects = (inner: WorkerEffects): WorkerEffects => ({
    ...inner,
    poll: (maxTasks, signal) => {
      const span = tracer.startSpan('worker.poll_assignments', { attributes: { 'worker.id': workerId, 'splai.max_tasks': maxTasks } }, parentContext());
      return current.run(span, async () => {
        try {
          const items = await inner.poll(maxTasks, signal);
          span.setAttribute('splai.assignments', items?.length ?? 0);
          span.setAttribute('splai.queue_empty', items === null);
          return items;
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    execute: (assignment, signal) => {
      const span = tracer.startSpan(
        'worker.execute_task',
        { attributes: { 'worker.id': workerId, 'job.id': assignment.job_id, 'task.id': assignment.task_id, 'task.type': assignment.type, 'task.attempt': assignment.attempt } },
        parentContext(),
      );
      return current.run(span, async () => {
        try {
          const result = await inner.execute(assignment, signal);
          span.setAttribute('task.duration_ms', result.durationMillis);
          if (!result.ok) span.setStatus({ code: api.SpanStatusCode.ERROR, message: result.error });
          return result;
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  });

  return { around, effects };
}
