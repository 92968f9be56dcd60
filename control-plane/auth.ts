/**
 * Token authentication, as the gateway does it when `SPLAI_API_TOKENS` is set
 * (internal/api/auth.go: authorize, bearerToken, canTenantAction; server.go:
 * requireTenantAction).
 *
 * Only the report endpoint and the job endpoints look at tokens; register,
 * heartbeat and poll accept any token or none. The token comes from
 * `Authorization: Bearer <t>` (the prefix in any case), failing that from
 * `X-SPLAI-Token`. Missing: 401 `missing bearer token`; unknown: 401
 * `invalid token`; known but not allowed the action for the job's tenant: 403
 * `tenant action denied`.
 *
 * A token's scopes are gateway scopes (`operator`, `admin`, `tenant:*`,
 * `tenant:<t>`, `job:read`, `job:submit`, `job:cancel`, `task:report`); its roles
 * add `role:<name>` and the role's scopes (the gateway's default roles: admin,
 * ops, tenant-runner, tenant-reader). As on the gateway, a token that ends up
 * with no scope at all is ignored, and with no usable token authentication is off.
 */
import { GatewayError } from './GatewayError.js';

/** Scope a token needs to report for any tenant (without a tenant scope). */
export const REPORT_SCOPE = 'task:report';

/** What a request wants to do with a job (the gateway's tenant actions). */
export type TenantAction = 'read' | 'submit' | 'report' | 'cancel';

/**
 * Configured tokens. A plain string is a token with the `operator` scope (allowed
 * everything); an object lists its scopes and/or roles, e.g. a worker's token
 * `{ token: 'w', scopes: ['task:report'] }` or a reader `{ token: 'r', roles: ['tenant-reader'], scopes: ['tenant:acme'] }`.
 */
export type TokenSpec =
  | string
  | { readonly token: string; readonly scopes?: readonly string[]; readonly roles?: readonly string[] };

/** Token -> scopes, built once so a request costs one map lookup. Empty: authentication is off. */
export type TokenTable = ReadonlyMap<string, ReadonlySet<string>>;

/** The gateway's default roles (defaultRoleScopes). */
const defaultRoles: Readonly<Record<string, readonly string[]>> = {
  admin: ['operator', 'metrics', 'admin', 'tenant:*', 'job:submit', 'job:read', 'job:cancel', 'task:report'],
  ops: ['operator', 'metrics'],
  'tenant-runner': ['job:submit', 'job:read', 'task:report'],
  'tenant-reader': ['job:read'],
};

export function buildTokenTable(tokens: readonly TokenSpec[]): TokenTable {
  const table = new Map<string, ReadonlySet<string>>();
  for (const spec of tokens) {
    if (typeof spec === 'string') {
      if (spec.trim() !== '') table.set(spec.trim(), new Set(['operator']));
      continue;
    }
    const token = spec.token.trim();
    const scopes = new Set((spec.scopes ?? []).map((s) => s.trim()).filter((s) => s !== ''));
    for (const role of spec.roles ?? []) {
      scopes.add(`role:${role}`);
      for (const scope of defaultRoles[role] ?? []) scopes.add(scope);
    }
    if (token !== '' && scopes.size > 0) table.set(token, scopes);
  }
  return table;
}

/** Reads the request's token (bearerToken): `Bearer` in any case first, then X-SPLAI-Token. */
export function readToken(header: (name: string) => string | undefined): string {
  const authorization = (header('authorization') ?? '').trim();
  if (authorization.slice(0, 7).toLowerCase() === 'bearer ') return authorization.slice(7).trim();
  return (header('x-splai-token') ?? '').trim();
}

/** canTenantAction: whether these scopes allow `action` on a job of `tenant`. */
export function canTenantAction(scopes: ReadonlySet<string>, tenant: string, action: TenantAction): boolean {
  if (scopes.has('operator') || scopes.has('admin')) return true;
  const t = tenant === '' ? 'default' : tenant;
  if (scopes.has('tenant:*')) return true;
  const actionScopes = scopes.has('job:read') || scopes.has('job:submit') || scopes.has('task:report') || scopes.has('job:cancel');
  if (scopes.has(`tenant:${t}`)) {
    if (scopes.has('role:tenant-reader')) return action === 'read';
    if (scopes.has('role:tenant-runner')) return action !== 'cancel';
    // A bare tenant scope allows everything on that tenant.
    if (!actionScopes) return true;
    switch (action) {
      case 'read':
        return true;
      case 'submit':
      case 'report':
        return actionScopes;
      case 'cancel':
        return scopes.has('job:cancel') || scopes.has('job:submit');
    }
  }
  switch (action) {
    case 'read':
      return scopes.has('job:read');
    case 'submit':
      return scopes.has('job:submit');
    case 'report':
      return scopes.has('task:report');
    case 'cancel':
      return scopes.has('job:cancel');
  }
}

/**
 * authorize: the scopes of the request's token, or the gateway's 401. Undefined
 * when authentication is off (no tokens).
 */
export function authenticate(table: TokenTable, header: (name: string) => string | undefined): ReadonlySet<string> | undefined {
  if (table.size === 0) return undefined;
  const token = readToken(header);
  if (token === '') throw new GatewayError(401, 'missing bearer token');
  const scopes = table.get(token);
  if (scopes === undefined) throw new GatewayError(401, 'invalid token');
  return scopes;
}

/** requireTenantAction: 401 as {@link authenticate}, 403 `tenant action denied`. */
export function requireTenantAction(table: TokenTable, header: (name: string) => string | undefined, tenant: string, action: TenantAction): void {
  const scopes = authenticate(table, header);
  if (scopes !== undefined && !canTenantAction(scopes, tenant, action)) throw new GatewayError(403, 'tenant action denied');
}

/**
 * requireScopes (the gateway's admin and metrics endpoints): 401 as
 * {@link authenticate}; 403 `missing required scope (one of: a,b)` unless the
 * token has one of `scopes`.
 */
export function requireScopes(table: TokenTable, header: (name: string) => string | undefined, scopes: readonly string[]): void {
  const held = authenticate(table, header);
  if (held !== undefined && !scopes.some((scope) => held.has(scope))) throw new GatewayError(403, `missing required scope (one of: ${scopes.join(',')})`);
}
