import fc from 'fast-check';
import { createActor, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { REDACTED, createSanitizer, isSensitiveKey } from '../../inspector/sanitize.js';

describe('isSensitiveKey', () => {
  it.each(['apiToken', 'remoteApiKey', 'hfToken', 'HF_TOKEN', 'x-api-key', 'Authorization', 'password', 'minioSecretKey', 'minio_access_key', 'key', 'idempotency_key', 'sessionKey', 'client_secret', 'Cookie', 'credentials'])(
    '%s is sensitive',
    (name) => expect(isSensitiveKey(name)).toBe(true),
  );
  it.each(['jobId', 'task_id', 'type', 'status', 'keyboard', 'monkey', 'attempt', 'inputs', 'error'])('%s is not', (name) =>
    expect(isSensitiveKey(name)).toBe(false),
  );
});

describe('createSanitizer', () => {
  const secrets = ['tok-SECRET-0001', 'rk-SECRET-0002'];
  const sanitize = createSanitizer({ secrets });

  it('redacts credential-named properties at any depth, whatever their value', () => {
    const out = sanitize({ jobId: 'j1', inputs: { api_key: 'abc', nested: [{ Authorization: 'Bearer x', keep: 1 }] }, apiToken: 'whatever' });
    expect(out).toEqual({ jobId: 'j1', inputs: { api_key: REDACTED, nested: [{ Authorization: REDACTED, keep: 1 }] }, apiToken: REDACTED });
  });

  it('cuts configured secret values out of any string, including keys and errors', () => {
    const out = JSON.stringify(
      sanitize({ note: 'call with tok-SECRET-0001 please', ['rk-SECRET-0002']: 1, error: new Error('401 for rk-SECRET-0002'), list: ['tok-SECRET-0001'] }),
    );
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).toContain(`call with ${REDACTED} please`);
  });

  it('never lets a secret through, whatever the structure (property)', () => {
    const secret = 'hf_PROPERTY_SECRET_42';
    const clean = createSanitizer({ secrets: [secret] });
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, prefix) => {
        const wrapped = { value, deep: { text: `${prefix}${secret}${prefix}` }, list: [value, secret] };
        expect(JSON.stringify(clean(wrapped))).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('turns anything into bounded JSON: cycles, functions, actor refs, big collections, long strings', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const actor = createActor(createMachine({ id: 'm' }), { id: 'child' });
    const small = createSanitizer({ maxEntries: 3, maxString: 10, maxDepth: 3 });
    expect(small({ cyclic, fn: () => 1, actor })).toEqual({ cyclic: { name: 'loop', self: '[circular]' }, fn: null, actor: { actor: 'child' } });
    expect(small({ many: [1, 2, 3, 4, 5], map: new Map([['k1', 10n]]) })).toEqual({ many: [1, 2, 3, '… 2 more'], map: { k1: '10' } });
    expect(small({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toEqual({ a: 1, b: 2, c: 3, '…': '2 more' });
    expect(small('x'.repeat(50))).toBe(`${'x'.repeat(10)}… (50 chars)`);
    expect(small({ deep: { a: { b: { c: 1 } } } })).toEqual({ deep: { a: { b: '[…]' } } });
  });

  it('shows machine snapshots as their JSON form, not the machine behind them', () => {
    const actor = createActor(createMachine({ id: 'm', context: { count: 1, secretKey: 's' }, initial: 'a', states: { a: {} } })).start();
    const out = createSanitizer()(actor.getSnapshot()) as Record<string, unknown>;
    expect(out['value']).toBe('a');
    expect(out['context']).toEqual({ count: 1, secretKey: REDACTED });
    expect(out).not.toHaveProperty('machine');
    actor.stop();
  });
});
