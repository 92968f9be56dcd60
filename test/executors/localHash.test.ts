import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32, localHashEmbedding, normaliseL2, tokenize } from '../../executors/localHash.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('b')).toBe(0xe70c2de5);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // "é" = C3 A9; "東京" = E6 9D B1 E4 BA AC (values from an independent byte-wise implementation).
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
    expect(fnv1a32('東京')).toBe(0x68dea76f);
  });

  it('is always an unsigned 32-bit integer', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const h = fnv1a32(s);
      return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
    }));
  });
});

describe('tokenize', () => {
  it('lower-cases and splits on everything but letters and digits', () => {
    expect(tokenize('Hello, WORLD!  42x_y-z')).toEqual(['hello', 'world', '42x', 'y', 'z']);
    expect(tokenize('  ...  ')).toEqual([]);
  });

  it('keeps Unicode letters and decimal digits of any script', () => {
    expect(tokenize('Straße ÜNÏCÖDÉ 東京タワー café ٣٤')).toEqual(['straße', 'ünïcödé', '東京タワー', 'café', '٣٤']);
  });

  it('treats non-decimal numbers (No, Nl) as separators, as Go unicode.IsDigit does', () => {
    expect(tokenize('x² ½ Ⅻ 3rd')).toEqual(['x', '3rd']);
  });

  it('lower-cases one code point at a time like Go (no final sigma, plain i for İ)', () => {
    expect(tokenize('ΟΔΟΣ')).toEqual(['οδοσ']);
    expect(tokenize('İstanbul')).toEqual(['istanbul']);
  });
});

describe('localHashEmbedding', () => {
  it('puts count/total at fnv1a32(token) mod dim, then normalises (worked example)', () => {
    // tokens a,a,b: a -> 0xe40c292c % 8 = 4 with 2/3, b -> 0xe70c2de5 % 8 = 5 with 1/3;
    // length sqrt(5)/3, so the unit vector has 2/sqrt(5) and 1/sqrt(5).
    const v = localHashEmbedding('a A b', 8);
    expect(v).toHaveLength(8);
    expect(v[4]).toBeCloseTo(2 / Math.sqrt(5), 15);
    expect(v[5]).toBeCloseTo(1 / Math.sqrt(5), 15);
    expect(v.filter((_, i) => i !== 4 && i !== 5)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('adds colliding tokens into the same slot', () => {
    expect(localHashEmbedding('one two three', 1)).toEqual([1]);
  });

  it('gives the zero vector (not NaN) for a text without tokens', () => {
    expect(localHashEmbedding('?!', 4)).toEqual([0, 0, 0, 0]);
  });

  it('gives unit vectors that ignore case', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 64 }), (text, dim) => {
      const v = localHashEmbedding(text, dim);
      const norm = Math.hypot(...v);
      return v.length === dim && (norm === 0 || Math.abs(norm - 1) < 1e-12);
    }));
    expect(localHashEmbedding('Hello World', 16)).toEqual(localHashEmbedding('hello world', 16));
  });

  it('refuses a dimension that is not a positive integer', () => {
    expect(() => localHashEmbedding('a', 0)).toThrow(RangeError);
  });
});

describe('normaliseL2', () => {
  it('scales to unit length and leaves the zero vector alone', () => {
    expect(normaliseL2([3, 4])).toEqual([0.6, 0.8]);
    expect(normaliseL2([0, 0])).toEqual([0, 0]);
  });
});
