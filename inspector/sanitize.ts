/**
 * Turns anything an actor holds (contexts, events, outputs) into plain JSON that
 * is safe to show in a browser: no secrets, no huge payloads, no cycles.
 *
 * Everything the inspector sends out of the process goes through one of these.
 * Two independent guards, because either alone is easy to defeat:
 * - by name: a property whose name looks like a credential (`apiToken`,
 *   `remote_api_key`, `Authorization`, `password`, `secretKey`, ...) is replaced;
 * - by value: any configured secret (see `secretValues(config)`) found inside any
 *   string is replaced, whatever the property is called (an assignment input, an
 *   error message quoting a URL with a token, ...).
 */

/** Plain JSON, what the inspector sends. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const REDACTED = '[redacted]';

export interface SanitizerOptions {
  /** Secret values to cut out of every string (e.g. `secretValues(config)`). */
  readonly secrets?: readonly string[];
  /** Deeper structures become "[…]" (default 8). */
  readonly maxDepth?: number;
  /** Longer strings are cut (default 2000 characters). */
  readonly maxString?: number;
  /** Longer arrays and objects keep their first entries (default 50). */
  readonly maxEntries?: number;
  /** Values visited per call before the rest becomes "[…]" (default 20000): shared subgraphs cannot blow up. */
  readonly budget?: number;
}

export type Sanitizer = (value: unknown) => JsonValue;

// Normalised names (lowercase letters only) that mark a credential.
const SENSITIVE_PARTS = ['token', 'secret', 'password', 'passwd', 'passphrase', 'authorization', 'cookie', 'credential', 'apikey', 'privatekey', 'accesskey'];

/**
 * Whether a property of this name must never be shown: anything named like a
 * token, key, secret, password or authorization header (`key`, `apiKey`,
 * `x-api-key`, `hf_token`, `minioSecretKey`, `Authorization`, ...).
 */
export function isSensitiveKey(name: string): boolean {
  const flat = name.toLowerCase().replace(/[^a-z]/g, '');
  if (flat === '') return false;
  if (SENSITIVE_PARTS.some((part) => flat.includes(part))) return true;
  // `key`, `apiKey`, `idempotency_key`, `keys`: the name ends in key(s).
  return /(^|[^a-z])keys?$/i.test(name) || /[a-z]Keys?$/.test(name);
}

/** Cut every occurrence of every secret out of a string. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** Build a sanitizer; see the module comment for what it removes. */
export function createSanitizer(options: SanitizerOptions = {}): Sanitizer {
  // Very short "secrets" would shred every string; config validation keeps real ones long.
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const maxDepth = options.maxDepth ?? 8;
  const maxString = options.maxString ?? 2000;
  const maxEntries = options.maxEntries ?? 50;
  const budget = options.budget ?? 20_000;
  let visited = 0;

  const text = (value: string): string => {
    const clean = scrub(value, secrets);
    return clean.length > maxString ? `${clean.slice(0, maxString)}… (${clean.length} chars)` : clean;
  };

  const visit = (value: unknown, depth: number, seen: Set<object>): JsonValue => {
    switch (typeof value) {
      case 'string':
        return text(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return null;
    }
    if (value === null) return null;
    const object = value as object;
    if (seen.has(object)) return '[circular]';
    if (depth >= maxDepth || ++visited > budget) return '[…]';
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) return text(`${value.name}: ${value.message}`);
    if (isActorRef(object)) return { actor: text(object.id) };
    // Machine snapshots (and anything else that knows its JSON form) are shown as JSON.stringify would.
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      seen.add(object);
      try {
        return visit(toJSON.call(object), depth + 1, seen);
      } finally {
        seen.delete(object);
      }
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    seen.add(object);
    try {
      if (Array.isArray(value) || value instanceof Set) {
        const items = [...(value as Iterable<unknown>)];
        const out = items.slice(0, maxEntries).map((item) => visit(item, depth + 1, seen));
        if (items.length > maxEntries) out.push(`… ${items.length - maxEntries} more`);
        return out;
      }
      const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(object);
      const out: { [key: string]: JsonValue } = {};
      let kept = 0;
      for (const [key, item] of entries) {
        if (kept++ >= maxEntries) {
          out['…'] = `${entries.length - maxEntries} more`;
          break;
        }
        const name = text(key);
        out[name] = isSensitiveKey(key) && item !== '' && item !== undefined && item !== null ? REDACTED : visit(item, depth + 1, seen);
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };

  return (value) => {
    visited = 0;
    return visit(value, 0, new Set());
  };
}

/** XState actor references (children in snapshots, refs in events) show as their id. */
function isActorRef(value: object): value is { id: string } {
  const candidate = value as { id?: unknown; sessionId?: unknown; send?: unknown };
  return typeof candidate.id === 'string' && typeof candidate.sessionId === 'string' && typeof candidate.send === 'function';
}
