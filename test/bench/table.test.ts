import { describe, expect, it } from 'vitest';
import { formatTable, formatValue } from '../../bench/table.js';

describe('formatValue', () => {
  it('keeps fewer decimals as numbers grow', () => {
    expect(formatValue(1234.567)).toBe('1235');
    expect(formatValue(12.345)).toBe('12.3');
    expect(formatValue(0.7049)).toBe('0.70');
  });

  it('prints n/a for missing values', () => {
    expect(formatValue(null)).toBe('n/a');
    expect(formatValue(Number.NaN)).toBe('n/a');
  });
});

describe('formatTable', () => {
  it('aligns every column and right-aligns the values', () => {
    const text = formatTable([
      { metric: 'worker_tps', value: '812', unit: 'tasks/s', target: '', verdict: '' },
      { metric: 'worker_vs_floor', value: '0.91', unit: 'x', target: '>= 0.7', verdict: 'ok' },
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[0]).toMatch(/^\| metric +\| value \| unit +\| target +\| verdict \|$/);
    expect(lines[1]).toContain('----:');
    expect(lines[2]).toContain('|   812 |');
    expect(lines[3]).toContain('|  0.91 |');
  });
});
