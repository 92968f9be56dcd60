/**
 * The few places where JavaScript's standard library and Go's differ in ways
 * that change an output document of the reference (Go) worker. Each helper
 * reproduces the Go behaviour the reference relies on, so equal inputs give
 * equal outputs here.
 */

/**
 * `strings.ToLower` as Go does it: a simple (one-to-one) mapping per code point.
 * JavaScript's `toLowerCase` differs in exactly two ways that matter here:
 * capital sigma at the end of a word becomes final sigma `ς` (Go: always `σ`),
 * and `İ` (U+0130) becomes `i` + U+0307 (Go: plain `i`). Mapping those two first
 * leaves `toLowerCase` with nothing context- or length-changing to do.
 */
export function goToLower(text: string): string {
  return text.replace(/\u0130/g, 'i').replace(/\u03a3/g, '\u03c3').toLowerCase();
}

/**
 * Compare strings by Unicode code point, which is the byte order of their UTF-8
 * encodings: the order of Go's `sort.Strings`. JavaScript's `<` compares UTF-16
 * code units, which puts astral characters (surrogate pairs) before U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (D800-DFFF) rank above E000-FFFF, as the code points they encode do.
const codePointRank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);

/**
 * Go's `strings.EqualFold`: equal under simple Unicode case folding. Unlike
 * comparing `toLowerCase()` results, `ſ` equals `s` and `K` (Kelvin) equals `k`,
 * while `ß` does not equal `ss`. Folding is derived per code point from the
 * one-to-one upper and lower mappings, which is Go's orbit for every character
 * that has them; characters whose only case mapping expands (like `ΐ`) compare
 * as themselves.
 */
export function goEqualFold(a: string, b: string): boolean {
  if (a === b) return true;
  const left = Array.from(a);
  const right = Array.from(b);
  if (left.length !== right.length) return false;
  return left.every((ch, i) => simpleFold(ch) === simpleFold(right[i] ?? ''));
}

/** One representative per simple-case-folding orbit (upper then lower, one code point each way). */
function simpleFold(ch: string): string {
  const upper = ch.toUpperCase();
  const base = Array.from(upper).length === 1 ? upper : ch;
  const lower = base.toLowerCase();
  return Array.from(lower).length === 1 ? lower : base;
}

/**
 * `fmt.Sprintf("%v", value)` of a value decoded by Go's `encoding/json` into
 * `any`: strings as is, `<nil>` for null, maps as `map[k:v ...]` with sorted keys,
 * slices as `[a b]`, and float64 in `%v` form (`1e+06` for a million).
 */
export function goFormatValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return goFormatFloat(value);
  if (Array.isArray(value)) return `[${value.map(goFormatValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareCodePoints(a, b));
    return `map[${entries.map(([k, v]) => `${k}:${goFormatValue(v)}`).join(' ')}]`;
  }
  return String(value);
}

/**
 * A float64 as `%v` prints it: the shortest round-tripping digits (the same
 * digits JavaScript picks), in `%e` form when the decimal exponent is below -4
 * or at least 6 (Go's rule for shortest `%g`), else in plain decimal form.
 */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '0', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0] ?? '0'}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}

/**
 * A canonical JSON encoding of a JSON value, for equality: two values are "the
 * same value" when these encodings are equal. This is what the reference does
 * (it compares `json.Marshal` outputs): object keys are sorted (Go marshals maps
 * sorted), so key order never matters; arrays keep their order; numbers compare
 * as float64, so `1` and `1.0` are equal; `-0` stays distinct from `0` because Go
 * encodes it as `-0`; `"1"` and `1` differ (a string is not a number).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareCodePoints(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(String(value));
}
