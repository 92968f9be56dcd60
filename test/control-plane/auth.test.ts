/**
 * Token scopes and tenant actions (auth.ts; the gateway's canTenantAction,
 * bearerToken, newAuthorizerFromEnv). Which endpoint checks what, and in which
 * order, is in wireConformance.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildTokenTable, canTenantAction, readToken, type TenantAction } from '../../control-plane/auth.js';
import { ControlPlane } from '../../control-plane/ControlPlane.js';
import { handleRequest } from '../../control-plane/routes.js';

const actions: TenantAction[] = ['read', 'submit', 'report', 'cancel'];
const allowed = (scopes: string[], tenant = 'default') => actions.filter((a) => canTenantAction(new Set(scopes), tenant, a));

describe('rule: canTenantAction, scope by scope', () => {
  it.each([
    [['operator'], actions],
    [['admin'], actions],
    [['tenant:*'], actions],
    [['job:read'], ['read']],
    [['job:submit'], ['submit']],
    [['task:report'], ['report']],
    [['job:cancel'], ['cancel']],
    [['metrics'], []],
    [['tenant:default'], actions],
    [['tenant:acme'], []],
    [['tenant:default', 'role:tenant-reader'], ['read']],
    [['tenant:default', 'role:tenant-runner'], ['read', 'submit', 'report']],
    // With a tenant scope, any job scope allows read, submit and report; cancel needs job:cancel or job:submit.
    [['tenant:default', 'job:read'], ['read', 'submit', 'report']],
    [['tenant:default', 'job:submit'], actions],
    [['tenant:default', 'task:report'], ['read', 'submit', 'report']],
  ])('%j may %j on tenant default', (scopes, expected) => {
    expect(allowed(scopes)).toEqual(expected);
  });

  it('an empty tenant is the default tenant', () => {
    expect(canTenantAction(new Set(['tenant:default']), '', 'report')).toBe(true);
  });
});

describe('rule: the token is Authorization: Bearer (any case), else X-SPLAI-Token', () => {
  const header = (h: Record<string, string>) => (name: string) => h[name];
  it.each([
    [{ authorization: 'Bearer abc' }, 'abc'],
    [{ authorization: 'bEaReR   abc ' }, 'abc'],
    [{ authorization: 'Bearer abc', 'x-splai-token': 'xyz' }, 'abc'],
    [{ authorization: 'Basic abc', 'x-splai-token': 'xyz' }, 'xyz'],
    [{ authorization: 'Bearer', 'x-splai-token': 'xyz' }, 'xyz'],
    [{ 'x-splai-token': ' xyz ' }, 'xyz'],
    [{}, ''],
  ])('%j -> %j', (h, token) => {
    expect(readToken(header(h))).toBe(token);
  });
});

describe('rule: tokens, roles and the default roles', () => {
  it('a plain string is an operator; roles add role:<name> and their scopes; a token without scopes is ignored', () => {
    const table = buildTokenTable(['op', { token: 'runner', roles: ['tenant-runner'], scopes: ['tenant:acme'] }, { token: 'none', scopes: [] }]);
    expect([...table.keys()]).toEqual(['op', 'runner']);
    expect(table.get('op')).toEqual(new Set(['operator']));
    expect(table.get('runner')).toEqual(new Set(['tenant:acme', 'role:tenant-runner', 'job:submit', 'job:read', 'task:report']));
    expect(allowed([...table.get('runner')!], 'acme')).toEqual(['read', 'submit', 'report']);
  });

  it('with no usable token, authentication is off', () => {
    expect(buildTokenTable([{ token: 'x', scopes: [' '] }]).size).toBe(0);
  });
});

describe('rule: GET /v1/metrics needs the metrics or operator scope (handleMetrics, requireScopes)', () => {
  const call = async (cp: ControlPlane, method: string, token?: string) => {
    const reply = await handleRequest(cp, { method, url: '/v1/metrics', header: (name) => (name === 'x-splai-token' ? token : undefined), body: async () => '' });
    return reply.kind === 'reply' ? { status: reply.status, body: reply.body } : { status: 0, body: '' };
  };

  it('answers 401 without a known token, 403 without the scope, 200 with it; anyone when tokens are off', async () => {
    const cp = new ControlPlane({ tokens: ['operator-token', { token: 'reporter', scopes: ['task:report'] }, { token: 'watcher', scopes: ['metrics'] }] });
    expect(await call(cp, 'GET')).toMatchObject({ status: 401, body: expect.stringContaining('missing bearer token') });
    expect(await call(cp, 'GET', 'who')).toMatchObject({ status: 401, body: expect.stringContaining('invalid token') });
    expect(await call(cp, 'GET', 'reporter')).toMatchObject({ status: 403, body: expect.stringContaining('missing required scope (one of: metrics,operator)') });
    expect(await call(cp, 'GET', 'watcher')).toMatchObject({ status: 200 });
    expect(await call(cp, 'GET', 'operator-token')).toMatchObject({ status: 200 });
    expect(await call(new ControlPlane(), 'GET')).toMatchObject({ status: 200 });
    // The method is checked before the token.
    expect(await call(cp, 'POST')).toMatchObject({ status: 405 });
  });
});
