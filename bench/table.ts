/**
 * Plain-text table of the benchmark's results (also pasted into
 * docs/performance.md, so it is GitHub-flavoured Markdown).
 */

export interface TableRow {
  readonly metric: string;
  /** Already formatted (e.g. "412.3"), or "n/a". */
  readonly value: string;
  readonly unit: string;
  /** What it is compared with, e.g. ">= 0.7" or "floor 650.1". */
  readonly target: string;
  /** "ok", "MISSED" or "" when there is no target. */
  readonly verdict: string;
}

const HEADERS = ['metric', 'value', 'unit', 'target', 'verdict'] as const;

/** Format a number for the table: a few significant decimals, "n/a" for null/NaN. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

/** A Markdown table with aligned columns (numbers right-aligned). */
export function formatTable(rows: readonly TableRow[]): string {
  const cells = rows.map((row) => HEADERS.map((h) => row[h]));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const rightAligned = (i: number) => HEADERS[i] === 'value';
  const line = (values: readonly string[]) =>
    `| ${values.map((v, i) => (rightAligned(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(HEADERS), rule, ...cells.map(line)].join('\n');
}
