/**
 * HTTP client of the SPLAI control plane (the four worker endpoints + healthz),
 * over node:http with keep-alive (httpTransport.ts says why not ky or fetch).
 *
 * Retries: this client never retries. Every failure is
 * thrown as a classified ControlPlaneError and the layer that knows the context
 * retries: the registration machine (backoff until accepted), the heartbeat and
 * poller machines (next tick), the reporter (per-task queue with backoff).
 * See docs/decisions/003-where-retries-live.md.
 */
import * as v from 'valibot';
import {
  AssignmentsResponseSchema,
  ErrorBodySchema,
  HeartbeatResponseSchema,
  RegisterResponseSchema,
  type HeartbeatRequest,
  type PollReply,
  type RegisterRequest,
  type RegisterResponse,
  type ReportRequest,
} from '../protocol/schemas.js';
import { describeIssues } from '../protocol/parseAssignment.js';
import { parseJsonAs } from '../protocol/parseJsonAs.js';
import { classifyStatus, type Operation } from './classifyResponse.js';
import { ControlPlaneError } from '../base/ControlPlaneError.js';
import { HttpTransport, type HttpReply } from './httpTransport.js';

export interface ControlPlaneClientOptions {
  readonly baseUrl: string;
  /** Sent as `X-SPLAI-Token` on every call when non-empty. */
  readonly token?: string;
  readonly timeoutMillis: number;
  /** Wraps every call, e.g. with a trace span. */
  readonly around?: <T>(operation: Operation, call: () => Promise<T>) => Promise<T>;
}

/** The control-plane operations the machines use; tests may implement it directly. */
export interface ControlPlaneApi {
  register(body: RegisterRequest, signal?: AbortSignal): Promise<RegisterResponse>;
  heartbeat(workerId: string, body: HeartbeatRequest, signal?: AbortSignal): Promise<void>;
  /** Raw assignment items (each is validated by the supervisor on its own), or `null`: the queue was empty. */
  poll(workerId: string, maxTasks: number, signal?: AbortSignal): Promise<PollReply>;
  report(body: ReportRequest, signal?: AbortSignal): Promise<void>;
  healthz(signal?: AbortSignal): Promise<void>;
}

export class ControlPlaneClient implements ControlPlaneApi {
  private readonly http: HttpTransport;
  private readonly around: NonNullable<ControlPlaneClientOptions['around']>;

  constructor(options: ControlPlaneClientOptions) {
    this.http = new HttpTransport({
      baseUrl: options.baseUrl,
      timeoutMillis: options.timeoutMillis,
      headers: options.token ? { 'X-SPLAI-Token': options.token } : {},
    });
    this.around = options.around ?? ((_operation, call) => call());
  }

  /**
   * `GET /v1/metrics`, for `splai-worker verify`: the gateway's one read-only
   * endpoint that reads the token (it wants the metrics or operator scope).
   * 401 means the token is missing or unknown; 403 that it is known but lacks
   * those scopes, which says nothing of whether it may report.
   */
  async probeToken(signal?: AbortSignal): Promise<{ readonly status: number; readonly error: string }> {
    let reply: HttpReply;
    try {
      reply = await this.http.request('GET', 'v1/metrics', undefined, signal);
    } catch (error) {
      throw new ControlPlaneError('transient', 'healthz', describeNetworkError(error));
    }
    return { status: reply.status, error: reply.status === 200 ? '' : errorMessage(reply.text) };
  }

  /** Close the idle connections to the control plane. */
  close(): void {
    this.http.close();
  }

  async register(body: RegisterRequest, signal?: AbortSignal): Promise<RegisterResponse> {
    return this.call('register', 'post', 'v1/workers/register', { body, signal }, RegisterResponseSchema);
  }

  async heartbeat(workerId: string, body: HeartbeatRequest, signal?: AbortSignal): Promise<void> {
    await this.call('heartbeat', 'post', `v1/workers/${encodeURIComponent(workerId)}/heartbeat`, { body, signal }, HeartbeatResponseSchema);
  }

  async poll(workerId: string, maxTasks: number, signal?: AbortSignal): Promise<PollReply> {
    const path = `v1/workers/${encodeURIComponent(workerId)}/assignments?max_tasks=${maxTasks}`;
    const reply = await this.call('poll', 'get', path, { signal }, AssignmentsResponseSchema);
    return reply.assignments;
  }

  async report(body: ReportRequest, signal?: AbortSignal): Promise<void> {
    await this.call('report', 'post', 'v1/tasks/report', { body, signal }, undefined);
  }

  async healthz(signal?: AbortSignal): Promise<void> {
    await this.call('healthz', 'get', 'healthz', { signal }, undefined);
  }

  private async call<T>(
    operation: Operation,
    method: 'get' | 'post',
    path: string,
    options: { body?: unknown; signal?: AbortSignal | undefined },
    schema: v.GenericSchema<unknown, T> | undefined,
  ): Promise<T> {
    return this.around(operation, async () => {
      let response: HttpReply;
      try {
        response = await this.http.request(method === 'get' ? 'GET' : 'POST', path, options.body === undefined ? undefined : JSON.stringify(options.body), options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new ControlPlaneError('transient', operation, describeNetworkError(error));
      }
      const { text } = response;
      if (response.status < 200 || response.status >= 300) {
        const message = errorMessage(text);
        throw new ControlPlaneError(classifyStatus(operation, response.status, message), operation, `HTTP ${response.status}: ${message}`, response.status);
      }
      if (schema === undefined) return undefined as T;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ControlPlaneError('transient', operation, `reply is not JSON: ${JSON.stringify(text.slice(0, 120))}`, response.status);
      }
      const parsed = v.safeParse(schema, json);
      if (!parsed.success) {
        throw new ControlPlaneError('transient', operation, `unexpected reply: ${describeIssues(parsed.issues)}`, response.status);
      }
      return parsed.output;
    });
  }
}

function errorMessage(text: string): string {
  const body = parseJsonAs(ErrorBodySchema, text);
  if (body !== undefined) return body.error;
  // Not the gateway's error body: the raw text says what happened.
  return text.slice(0, 300).replace(/\s+/g, ' ').trim() || '(empty body)';
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'request timed out';
  // A socket error says what it is in its code (ECONNREFUSED, ECONNRESET, ENOTFOUND ...).
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
