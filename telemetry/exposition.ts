/**
 * The Prometheus text exposition format, version 0.0.4: the few rules every
 * metric family of the worker renders through (escaping, number formatting,
 * sample lines).
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/** What `/metrics` answers with. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped (quotes are not, by the format). */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus parses it (Go's float syntax for the special values). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `name{a="x",b="y"} value`, labels in the order given; no braces without labels. */
export function sampleLine(name: string, labels: readonly (readonly [string, string])[], value: number): string {
  const body = labels.map(([label, text]) => `${label}="${escapeLabelValue(text)}"`).join(',');
  return `${name}${body === '' ? '' : `{${body}}`} ${formatValue(value)}`;
}

/** The `# HELP` and `# TYPE` lines of a family. */
export function headerLines(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}
