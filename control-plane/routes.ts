/**
 * The gateway's HTTP surface over a {@link ControlPlane}, independent of any
 * server: both faces (node:http in httpServer.ts, MSW in mswHandlers.ts) turn
 * their request into a {@link WireRequest}, call {@link handleRequest} and write
 * the {@link WireReply} back. So the two faces cannot disagree.
 *
 * Routing and the order of checks follow the gateway's handlers
 * (internal/api/server.go), because a worker sees which check fires first:
 * - `/healthz` answers any method.
 * - `POST /v1/workers/register`: method (405), body (400 `invalid request body`),
 *   `worker_id` (400). No token is looked at.
 * - `/v1/workers/{id}/{heartbeat|assignments}`: the path is decoded, then split
 *   at `/` (so an id with a `/` cannot be used), method (405), body; no token.
 *   Any failure of the operation is a 404 with its message.
 * - `POST /v1/tasks/report`: method, body, then the job: 404 `job not found`
 *   **before** the token; then the token (401/403 for the job's tenant, action
 *   `report`); then the scheduler, whose every error is a 400.
 * - `/v1/jobs/{id}[/...]`: the job first (404), then the token (`read`), then the
 *   sub-resource and its method; cancel and archive also need `cancel`.
 * - `POST /v1/jobs`: method, body, then the token (`submit`) for the job's tenant.
 * - Anything else: Go's own 404, `404 page not found` in plain text.
 * Replies are written as Go's json.Encoder writes them: compact, `<`, `>`, `&`
 * escaped, then a newline.
 *
 * Injected faults (faults.ts) are decided first, per endpoint. Kept cheap: no
 * URL object, one JSON.parse, one JSON.stringify; benchmarks drive thousands of
 * requests per second through it.
 */
import * as v from 'valibot';
import { authenticate, canTenantAction, requireScopes, requireTenantAction } from './auth.js';
import type { ControlPlane } from './ControlPlane.js';
import { GARBAGE_BODY, type Endpoint, type FaultDecision } from './faults.js';
import { GatewayError, isGatewayError } from './GatewayError.js';
import { decodeBody, HeartbeatBodySchema, parseMaxTasks, RegisterBodySchema, ReportBodySchema, type JobSubmission } from './wire.js';

/** A request as a face hands it over. */
export interface WireRequest {
  readonly method: string;
  /** Path relative to the control plane's base URL, with the query string (e.g. `/v1/workers/w/assignments?max_tasks=2`). */
  readonly url: string;
  /** Header lookup by lower-case name. */
  header(name: string): string | undefined;
  /** The body text (read lazily: GETs never read it). */
  body(): Promise<string>;
}

/** What a face must send back. `reset` means: close the connection without a reply. */
export type WireReply =
  | { readonly kind: 'reply'; readonly status: number; readonly body: string; readonly contentType: string }
  | { readonly kind: 'reset' };

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** Characters Go's json.Encoder escapes inside strings (HTML escaping is on by default, and the two line separators always). */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const HAS_GO_ESCAPED = /[<>&\u2028\u2029]/;
const goEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** writeJSON: json.Encoder output, HTML-escaped, ending with a newline. */
function json(status: number, value: unknown): WireReply {
  const text = JSON.stringify(value);
  return { kind: 'reply', status, body: `${HAS_GO_ESCAPED.test(text) ? text.replace(GO_ESCAPED, goEscape) : text}\n`, contentType: JSON_TYPE };
}
const error = (status: number, message: string): WireReply => json(status, { error: message });
const text = (status: number, body: string): WireReply => ({ kind: 'reply', status, body, contentType: TEXT_TYPE });

/** Go's ServeMux answer for a path no handler owns. */
const pageNotFound = (): WireReply => text(404, '404 page not found\n');
const methodNotAllowed = (): WireReply => error(405, 'method not allowed');

/** What a handler gets besides the request. */
interface Context {
  readonly cp: ControlPlane;
  readonly req: WireRequest;
  readonly query: string;
  /** Set when the `storeFailure` fault was decided for this request. */
  readonly storeFailure: string | undefined;
}

type Handler = (ctx: Context) => WireReply | Promise<WireReply>;

interface Route {
  /** The endpoint faults and request counts are kept under (none for unknown paths). */
  readonly endpoint: Endpoint | undefined;
  readonly handle: Handler;
}

/** Runs a core operation, with the store failing when the fault says so (synchronously: no other request can see it). */
const core = <T>(ctx: Context, operation: () => T): T =>
  ctx.storeFailure === undefined ? operation() : ctx.cp.withStoreFailure(ctx.storeFailure, operation);

const header = (ctx: Context) => (name: string) => ctx.req.header(name);

const unknownSchema = v.unknown();

// ------------------------------------------------------------ worker endpoints

const register: Handler = async (ctx) => {
  if (ctx.req.method !== 'POST') return methodNotAllowed();
  const body = decodeBody(RegisterBodySchema, await ctx.req.body());
  return json(200, core(ctx, () => ctx.cp.register(body)));
};

function workerSubresource(workerId: string, sub: string): Route {
  if (sub === 'heartbeat') {
    return {
      endpoint: 'heartbeat',
      handle: async (ctx) => {
        if (ctx.req.method !== 'POST') return methodNotAllowed();
        const body = decodeBody(HeartbeatBodySchema, await ctx.req.body());
        return json(200, asNotFound(() => core(ctx, () => ctx.cp.heartbeat(workerId, body))));
      },
    };
  }
  if (sub === 'assignments') {
    return {
      endpoint: 'assignments',
      handle: (ctx) => {
        if (ctx.req.method !== 'GET') return methodNotAllowed();
        const max = parseMaxTasks(queryParam(ctx.query, 'max_tasks'));
        return json(200, asNotFound(() => core(ctx, () => ctx.cp.assignments(workerId, max))));
      },
    };
  }
  return { endpoint: undefined, handle: () => error(404, 'worker subresource not found') };
}

/** The heartbeat and poll handlers answer every failure of the engine with 404 and its message. */
function asNotFound<T>(operation: () => T): T {
  try {
    return operation();
  } catch (caught) {
    if (isGatewayError(caught) && caught.status !== 404) throw new GatewayError(404, caught.message);
    throw caught;
  }
}

const report: Handler = async (ctx) => {
  if (ctx.req.method !== 'POST') return methodNotAllowed();
  const body = decodeBody(ReportBodySchema, await ctx.req.body());
  const tenant = ctx.cp.jobTenant(body.job_id ?? '');
  if (tenant === undefined) return error(404, 'job not found');
  requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'report');
  return json(200, core(ctx, () => ctx.cp.report(body)));
};

// ------------------------------------------------------------ job endpoints

/** tenantFromRequest: the submission's tenant, else the X-SPLAI-Tenant header, else `default`. */
function tenantOf(submission: Record<string, unknown>, ctx: Context): string {
  const own = typeof submission['tenant'] === 'string' ? submission['tenant'].trim() : '';
  return own || (ctx.req.header('x-splai-tenant') ?? '').trim() || 'default';
}

const jobs: Handler = async (ctx) => {
  if (ctx.req.method === 'GET') {
    // Not on the gateway (its /v1/jobs only takes POST): lists the jobs the token may read.
    const scopes = authenticate(ctx.cp.tokens, header(ctx));
    const visible = ctx.cp.jobs().filter((job) => scopes === undefined || canTenantAction(scopes, job.tenant, 'read'));
    return json(200, { jobs: visible });
  }
  if (ctx.req.method !== 'POST') return methodNotAllowed();
  const body = decodeBody(unknownSchema, await ctx.req.body());
  if (typeof body !== 'object' || Array.isArray(body)) throw new GatewayError(400, 'invalid request body');
  const submission = body as Record<string, unknown>;
  const tenant = tenantOf(submission, ctx);
  requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'submit');
  const { created, ...reply } = core(ctx, () => ctx.cp.submitJob({ ...(submission as JobSubmission), tenant }));
  return json(created ? 202 : 200, reply);
};

function jobById(rest: string): Handler {
  return (ctx) => {
    if (rest === '') return error(404, 'job id is required');
    const slash = rest.indexOf('/');
    const jobId = slash < 0 ? rest : rest.slice(0, slash);
    const sub = slash < 0 ? '' : rest.slice(slash + 1).split('/')[0]!;
    const tenant = ctx.cp.jobTenant(jobId);
    if (tenant === undefined) return error(404, 'job not found');
    requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'read');
    const method = ctx.req.method;
    switch (sub) {
      case '':
        if (method === 'GET') return json(200, ctx.cp.getJob(jobId));
        if (method !== 'DELETE') return methodNotAllowed();
        requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'cancel');
        core(ctx, () => ctx.cp.cancelJob(jobId));
        return json(200, { accepted: true });
      case 'tasks':
        if (method !== 'GET') return methodNotAllowed();
        return json(200, { job_id: jobId, tasks: ctx.cp.tasks(jobId) });
      case 'archive':
        if (method !== 'POST') return methodNotAllowed();
        requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'cancel');
        core(ctx, () => ctx.cp.archiveJob(jobId));
        return json(200, { accepted: true });
      case 'cancel':
        // Not on the gateway (which cancels with DELETE /v1/jobs/{id}); kept for tools that used it.
        if (method !== 'POST') return methodNotAllowed();
        requireTenantAction(ctx.cp.tokens, header(ctx), tenant, 'cancel');
        return json(200, core(ctx, () => ctx.cp.cancelJob(jobId)));
      default:
        return error(404, 'job subresource not found');
    }
  };
}

/**
 * handleMetrics: GET only, then the `metrics` or `operator` scope. The one
 * read-only endpoint that checks a token without a job: `splai-worker verify`
 * probes the token with it. The body is this control plane's request counts
 * (the gateway's is its own counter snapshot).
 */
const metrics: Handler = (ctx) => {
  if (ctx.req.method !== 'GET') return methodNotAllowed();
  requireScopes(ctx.cp.tokens, header(ctx), ['metrics', 'operator']);
  return json(200, { requests: { ...ctx.cp.requestCounts } });
};

// ------------------------------------------------------------ routing

const routes = {
  healthz: { endpoint: 'healthz', handle: () => json(200, { status: 'ok' }) },
  metrics: { endpoint: 'healthz', handle: metrics },
  register: { endpoint: 'register', handle: register },
  report: { endpoint: 'report', handle: report },
  jobs: { endpoint: 'jobs', handle: jobs },
  notFound: { endpoint: undefined, handle: pageNotFound },
} satisfies Record<string, Route>;

const WORKERS = '/v1/workers/';
const JOBS = '/v1/jobs/';

/** The gateway's ServeMux patterns, on the decoded path. */
function route(path: string): Route {
  switch (path) {
    case '/healthz':
      return routes.healthz;
    case '/v1/metrics':
      return routes.metrics;
    case '/v1/workers/register':
      return routes.register;
    case '/v1/tasks/report':
      return routes.report;
    case '/v1/jobs':
      return routes.jobs;
  }
  if (path.startsWith(WORKERS)) {
    const parts = path.slice(WORKERS.length).split('/');
    if (parts.length < 2) return { endpoint: undefined, handle: () => error(404, 'worker subresource not found') };
    return workerSubresource(parts[0]!, parts[1]!);
  }
  if (path.startsWith(JOBS)) return { endpoint: 'jobs', handle: jobById(path.slice(JOBS.length)) };
  return routes.notFound;
}

function decodePath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function queryParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  return new URLSearchParams(query).get(name) ?? undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function faultReply(fault: FaultDecision): WireReply | undefined {
  switch (fault.outcome) {
    case 'reset':
      return { kind: 'reset' };
    case 'error':
      return error(fault.status, 'injected fault');
    case 'garbage':
      return { kind: 'reply', status: 200, body: GARBAGE_BODY, contentType: JSON_TYPE };
    case 'storeFailure':
    case 'none':
      return undefined;
  }
}

/** Answers one request exactly as the gateway would (plus any injected fault). */
export async function handleRequest(cp: ControlPlane, req: WireRequest): Promise<WireReply> {
  const q = req.url.indexOf('?');
  const path = decodePath(q < 0 ? req.url : req.url.slice(0, q));
  // Go's server refuses a request line it cannot unescape before any handler runs.
  if (path === undefined) return text(400, '400 Bad Request');
  const found = route(path);
  if (found.endpoint !== undefined) cp.requestCounts[found.endpoint]++;

  const fault = found.endpoint !== undefined && cp.faults.active ? cp.faults.decide(found.endpoint) : undefined;
  if (fault && fault.stallMs > 0) await sleep(fault.stallMs);
  if (fault?.phase === 'before') {
    const reply = faultReply(fault);
    if (reply) return reply;
  }

  let reply: WireReply;
  try {
    const storeFailure = fault?.outcome === 'storeFailure' ? fault.message : undefined;
    reply = await found.handle({ cp, req, query: q < 0 ? '' : req.url.slice(q + 1), storeFailure });
  } catch (caught) {
    if (isGatewayError(caught)) reply = error(caught.status, caught.message);
    else {
      console.error('control plane: internal error', caught);
      reply = error(500, 'internal error');
    }
  }
  if (fault?.phase === 'after') return faultReply(fault) ?? reply;
  return reply;
}
