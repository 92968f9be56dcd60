import { describe, expect, it } from 'vitest';
import { canonicalJson, compareCodePoints, goEqualFold, goFormatFloat, goFormatValue, goToLower } from '../../executors/goCompat.js';

describe('goToLower', () => {
  it('maps code point by code point', () => {
    expect(goToLower('ABC Σ ΟΔΟΣ')).toBe('abc σ οδοσ');
    expect(goToLower('İ')).toBe('i');
  });
});

describe('compareCodePoints', () => {
  it('orders by code point (UTF-8 byte order), unlike UTF-16 comparison', () => {
    const astral = '\u{1F600}';
    expect('\uffff' < astral).toBe(false); // UTF-16 order puts the surrogate pair first
    expect(compareCodePoints('\uffff', astral)).toBeLessThan(0);
    expect(['b', astral, '\uffff', 'a', 'ab'].sort(compareCodePoints)).toEqual(['a', 'ab', 'b', '\uffff', astral]);
  });
});

describe('goEqualFold', () => {
  it('uses simple case folding', () => {
    expect(goEqualFold('AcMe', 'acme')).toBe(true);
    expect(goEqualFold('ſ', 'S')).toBe(true);
    expect(goEqualFold('\u212a', 'k')).toBe(true); // Kelvin sign
    expect(goEqualFold('ß', 'ss')).toBe(false);
    expect(goEqualFold('acme', 'acm')).toBe(false);
  });
});

describe('goFormatFloat / goFormatValue (fmt %v of decoded JSON)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [2, '2'],
    [-2.5, '-2.5'],
    [123456, '123456'],
    [999999, '999999'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e21, '1e+21'],
    [1.5e-7, '1.5e-07'],
    [100.25, '100.25'],
  ])('%v prints as %s', (value, text) => {
    expect(goFormatFloat(value)).toBe(text);
  });

  it('prints maps sorted, slices space-separated, null as <nil>', () => {
    expect(goFormatValue({ b: 1, a: [true, null, 'x'] })).toBe('map[a:[true <nil> x] b:1]');
    expect(goFormatValue('  text ')).toBe('  text ');
  });
});

describe('canonicalJson', () => {
  it('ignores key order and keeps array order', () => {
    expect(canonicalJson({ x: 1, y: [2, { b: 1, a: 2 }] })).toBe(canonicalJson({ y: [2, { a: 2, b: 1 }], x: 1.0 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('tells a string from a number and -0 from 0, like Go json.Marshal', () => {
    expect(canonicalJson('1')).not.toBe(canonicalJson(1));
    expect(canonicalJson(-0)).toBe('-0');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(null)).toBe('null');
  });
});
