/**
 * Value kinds for configuration entries. Every source (flag, env, file) is read
 * as text first, so each kind is a valibot schema from string to its typed value,
 * with a message that says what form was expected.
 */
import * as v from 'valibot';

export type Kind<T> = v.GenericSchema<string, T>;

export const text = (): Kind<string> => v.pipe(v.string(), v.trim());

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Kind<number> =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^-?\d+$/, `expected a whole number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `expected a whole number from ${min} to ${max}`),
    v.maxValue(max, `expected a whole number from ${min} to ${max}`),
  );

export const decimal = (min: number, max = Number.MAX_SAFE_INTEGER): Kind<number> =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^-?\d+(\.\d+)?$/, `expected a number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `expected a number from ${min} to ${max}`),
    v.maxValue(max, `expected a number from ${min} to ${max}`),
  );

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];
export const boolean = (): Kind<boolean> =>
  v.pipe(
    v.string(),
    v.trim(),
    v.toLowerCase(),
    v.picklist([...TRUE, ...FALSE], 'expected true or false'),
    v.transform((s) => TRUE.includes(s)),
  );

/** An http(s) URL, or empty for "not configured". Trailing slashes are dropped. */
export const url = (): Kind<string> =>
  v.pipe(
    v.string(),
    v.trim(),
    v.check((s) => s === '' || /^https?:\/\/[^\s/]+/i.test(s), 'expected an http:// or https:// URL'),
    v.transform((s) => s.replace(/\/+$/, '')),
  );

/** A comma-separated list; blanks dropped. */
export const list = (): Kind<string[]> =>
  v.pipe(
    v.string(),
    v.transform((s) =>
      s
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
  );

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T): Kind<T[number]> =>
  v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(values, `expected one of ${values.join(', ')}`));

/** `host:port`, or `off`. */
export const listenAddress = (): Kind<string> =>
  v.pipe(
    v.string(),
    v.trim(),
    v.check(
      (s) => s.toLowerCase() === 'off' || /^[^\s:]*:\d{1,5}$/.test(s) || /^\[[^\]]+\]:\d{1,5}$/.test(s),
      'expected host:port (e.g. 127.0.0.1:9464) or off',
    ),
  );
