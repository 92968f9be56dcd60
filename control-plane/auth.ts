/**
 * Token authentication, as the gateway does it when tokens are configured.
 *
 * The token is read from `Authorization: Bearer <t>` or, failing that, from
 * `X-SPLAI-Token: <t>`. Missing -> 401 `missing bearer token`; unknown -> 401
 * `invalid token`; known but without the scope an endpoint needs -> 403. Only the
 * report endpoint needs a scope (`task:report`).
 */
import { GatewayError } from './GatewayError.js';

/** Scope the report endpoint requires. `*` grants every scope. */
export const REPORT_SCOPE = 'task:report';

/**
 * Configured tokens. A plain string is a token with every scope; an object lists
 * its scopes (e.g. a read-only token: `{ token: 'ro', scopes: ['jobs:read'] }`).
 */
export type TokenSpec = string | { readonly token: string; readonly scopes: readonly string[] };

/** Token -> scopes, built once so a request costs one map lookup. */
export type TokenTable = ReadonlyMap<string, ReadonlySet<string>>;

export function buildTokenTable(tokens: readonly TokenSpec[]): TokenTable {
  const table = new Map<string, ReadonlySet<string>>();
  for (const spec of tokens) {
    if (typeof spec === 'string') table.set(spec, new Set(['*']));
    else table.set(spec.token, new Set(spec.scopes));
  }
  return table;
}

/** Reads the request's token: Bearer first, then X-SPLAI-Token. */
export function readToken(header: (name: string) => string | undefined): string | undefined {
  const authorization = header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  const token = header('x-splai-token')?.trim();
  return token ? token : undefined;
}

/**
 * Throws the gateway's 401/403 unless the request may proceed. With no tokens
 * configured (empty table) every request may.
 */
export function authorize(table: TokenTable, header: (name: string) => string | undefined, scope?: string): void {
  if (table.size === 0) return;
  const token = readToken(header);
  if (token === undefined) throw new GatewayError(401, 'missing bearer token');
  const scopes = table.get(token);
  if (!scopes) throw new GatewayError(401, 'invalid token');
  if (scope !== undefined && !scopes.has(scope) && !scopes.has('*')) {
    throw new GatewayError(403, `forbidden: token lacks scope ${scope}`);
  }
}
