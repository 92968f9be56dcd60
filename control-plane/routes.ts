/**
 * The gateway's HTTP surface over a {@link ControlPlane}, independent of any
 * server: both faces (node:http in httpServer.ts, MSW in mswHandlers.ts) turn
 * their request into a {@link WireRequest}, call {@link handleRequest} and write
 * the {@link WireReply} back. So the two faces cannot disagree.
 *
 * Order of checks per request: route (404 `not found`), injected faults, auth for
 * `/v1/*` (401/403), method (405 `method not allowed`), body (400 `invalid request
 * body`), then the operation. Kept cheap: no URL object, one JSON.parse, one
 * JSON.stringify; benchmarks drive thousands of requests per second through it.
 */
import * as v from 'valibot';
import { authorize, REPORT_SCOPE } from './auth.js';
import type { ControlPlane } from './ControlPlane.js';
import { GARBAGE_BODY, type Endpoint, type FaultDecision } from './faults.js';
import { isGatewayError } from './GatewayError.js';
import { decodeBody, HeartbeatBodySchema, RegisterBodySchema, ReportBodySchema, type JobSubmission } from './wire.js';

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

const json = (status: number, value: unknown): WireReply => ({ kind: 'reply', status, body: JSON.stringify(value), contentType: JSON_TYPE });
const error = (status: number, message: string): WireReply => json(status, { error: message });

type Operation = (cp: ControlPlane, req: WireRequest, params: RouteParams) => WireReply | Promise<WireReply>;

interface RouteParams {
  readonly id: string;
  readonly query: string;
}

interface Route {
  readonly endpoint: Endpoint;
  readonly method: 'GET' | 'POST';
  readonly authenticated: boolean;
  readonly scope?: string;
  readonly run: Operation;
}

const unknownSchema = v.unknown();
const readJson = async (req: WireRequest): Promise<unknown> => decodeBody(unknownSchema, await req.body());

const routes = {
  register: {
    endpoint: 'register', method: 'POST', authenticated: true,
    run: async (cp, req) => json(200, cp.register(decodeBody(RegisterBodySchema, await req.body()))),
  },
  heartbeat: {
    endpoint: 'heartbeat', method: 'POST', authenticated: true,
    run: async (cp, req, p) => json(200, cp.heartbeat(p.id, decodeBody(HeartbeatBodySchema, await req.body()))),
  },
  assignments: {
    endpoint: 'assignments', method: 'GET', authenticated: true,
    run: (cp, _req, p) => json(200, cp.assignments(p.id, Number.parseInt(queryParam(p.query, 'max_tasks') ?? '', 10))),
  },
  report: {
    endpoint: 'report', method: 'POST', authenticated: true, scope: REPORT_SCOPE,
    run: async (cp, req) => json(200, cp.report(decodeBody(ReportBodySchema, await req.body()))),
  },
  submitJob: {
    endpoint: 'jobs', method: 'POST', authenticated: true,
    run: async (cp, req) => {
      const { created, ...reply } = cp.submitJob((await readJson(req)) as JobSubmission);
      return json(created ? 201 : 200, reply);
    },
  },
  listJobs: { endpoint: 'jobs', method: 'GET', authenticated: true, run: (cp) => json(200, { jobs: cp.jobs() }) },
  getJob: { endpoint: 'jobs', method: 'GET', authenticated: true, run: (cp, _req, p) => json(200, cp.getJob(p.id)) },
  jobTasks: {
    endpoint: 'jobs', method: 'GET', authenticated: true,
    run: (cp, _req, p) => json(200, { job_id: p.id, tasks: cp.tasks(p.id) }),
  },
  cancelJob: { endpoint: 'jobs', method: 'POST', authenticated: true, run: (cp, _req, p) => json(200, cp.cancelJob(p.id)) },
  healthz: { endpoint: 'healthz', method: 'GET', authenticated: false, run: () => json(200, { status: 'ok' }) },
} satisfies Record<string, Route>;

/** Finds the route of a path (without query); `id` is the decoded path parameter. */
function match(path: string): { route: Route; id: string } | undefined {
  if (path === '/healthz') return { route: routes.healthz, id: '' };
  if (path === '/v1/tasks/report') return { route: routes.report, id: '' };
  if (path === '/v1/workers/register') return { route: routes.register, id: '' };
  if (path === '/v1/jobs') return { route: routes.submitJob, id: '' };
  const parts = path.split('/');
  // ['', 'v1', 'workers' | 'jobs', id, action?]
  if (parts[1] !== 'v1' || parts.length < 4 || parts.length > 5) return undefined;
  const id = safeDecode(parts[3] ?? '');
  if (id === undefined || id === '') return undefined;
  const action = parts[4];
  if (parts[2] === 'workers') {
    if (action === 'heartbeat') return { route: routes.heartbeat, id };
    if (action === 'assignments') return { route: routes.assignments, id };
  } else if (parts[2] === 'jobs') {
    if (action === undefined) return { route: routes.getJob, id };
    if (action === 'tasks') return { route: routes.jobTasks, id };
    if (action === 'cancel') return { route: routes.cancelJob, id };
  }
  return undefined;
}

/** `GET /v1/jobs` lists; `POST /v1/jobs` submits: the only path with two methods. */
function routeFor(found: { route: Route; id: string }, method: string): Route {
  return found.route === routes.submitJob && method === 'GET' ? routes.listJobs : found.route;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
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
    case 'none':
      return undefined;
  }
}

/** Answers one request exactly as the gateway would (plus any injected fault). */
export async function handleRequest(cp: ControlPlane, req: WireRequest): Promise<WireReply> {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const found = match(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
  if (!found) return error(404, 'not found');
  const route = routeFor(found, req.method);
  cp.requestCounts[route.endpoint]++;

  const fault = cp.faults.active ? cp.faults.decide(route.endpoint) : undefined;
  if (fault && fault.stallMs > 0) await sleep(fault.stallMs);
  if (fault?.phase === 'before') {
    const reply = faultReply(fault);
    if (reply) return reply;
  }

  let reply: WireReply;
  try {
    if (route.authenticated) authorize(cp.tokens, (name) => req.header(name), route.scope);
    if (req.method !== route.method) {
      reply = error(405, 'method not allowed');
    } else {
      reply = await route.run(cp, req, { id: found.id, query });
    }
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
