/**
 * Generate the parts of the docs and packaging that restate code, from the code:
 *
 * - packaging/splai-worker.env.example: every setting of config/definitions.ts;
 * - packaging/systemd/splai-worker.service: cli/systemdUnit.ts;
 * - docs/configuration.md: the settings table;
 * - docs/operations.md: its settings and metrics sections;
 * - docs/architecture.md: its actor tree and state diagrams (from the machines).
 *
 * `npm run docs` rewrites them; `npm run docs:check` (and
 * test/packaging/generatedDocs.test.ts) fails when any is stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { PACKAGED_UNIT, systemdUnit } from '../cli/systemdUnit.js';
import { definitions, type ConfigKey, type Definition } from '../config/definitions.js';
import { flagName } from '../config/load.js';
import { heartbeatMachine } from '../machines/heartbeat.js';
import { pollerMachine } from '../machines/poller.js';
import { registrationMachine } from '../machines/registration.js';
import { supervisorMachine } from '../machines/supervisor.js';
import { taskMachine } from '../machines/task.js';
import { WorkerMetrics } from '../telemetry/metrics.js';
import { PROCESS_METRIC_NAMES } from '../telemetry/processMetrics.js';
import { actorTree, stateDiagram } from './mermaid.js';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** Variables read outside the settings table (OpenTelemetry's standard ones). */
export const EXTRA_VARIABLES: readonly { env: string; default: string; doc: string }[] = [
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: '', doc: 'OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); traces go to <url>/v1/traces. Unset: tracing is off and costs nothing.' },
  { env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', default: '', doc: 'Full OTLP/HTTP traces URL; overrides the one derived from OTEL_EXPORTER_OTLP_ENDPOINT.' },
  { env: 'OTEL_SERVICE_NAME', default: 'splai-worker', doc: 'service.name of the exported spans.' },
  { env: 'OTEL_EXPORTER_OTLP_HEADERS', default: '', doc: 'Headers of the export requests, e.g. authorization=Bearer <token> (read by the OTLP exporter).' },
  { env: 'OTEL_SDK_DISABLED', default: 'false', doc: 'true turns tracing off even with an endpoint set.' },
];

const GROUPS: readonly Definition<unknown>['group'][] = ['core', 'artifacts', 'backends', 'sandbox', 'operations'];
const entries = () => Object.entries(definitions) as [ConfigKey, Definition<unknown>][];
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function envExample(): string {
  const lines = [
    '# splai-worker settings: every variable, with its default.',
    '# Generated from config/definitions.ts by scripts/gen-docs.ts; do not edit by hand.',
    '# Uncomment what you change. Secrets belong in a file readable by root only (chmod 600).',
    '',
  ];
  for (const group of GROUPS) {
    lines.push(`# ---- ${group} ----`, '');
    for (const [, d] of entries().filter(([, d]) => d.group === group)) {
      lines.push(`# ${d.doc}${d.secret ? ' (secret: never logged)' : ''}`);
      lines.push(`#${d.env}=${d.default}`, '');
    }
  }
  lines.push('# ---- tracing (OpenTelemetry) ----', '');
  for (const extra of EXTRA_VARIABLES) lines.push(`# ${extra.doc}`, `#${extra.env}=${extra.default}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

export function settingsTable(): string {
  const out: string[] = [];
  for (const group of GROUPS) {
    out.push(`### ${group[0]!.toUpperCase()}${group.slice(1)}`, '', '| Variable | Flag | Default | Meaning |', '| --- | --- | --- | --- |');
    for (const [key, d] of entries().filter(([, d]) => d.group === group)) {
      out.push(`| \`${d.env}\` | \`--${flagName(key)}\` | ${d.default === '' ? '(empty)' : `\`${cell(d.default)}\``} | ${cell(d.doc)}${d.secret ? ' **Secret**: redacted everywhere.' : ''} |`);
    }
    out.push('');
  }
  out.push('### Tracing', '', '| Variable | Default | Meaning |', '| --- | --- | --- |');
  for (const extra of EXTRA_VARIABLES) out.push(`| \`${extra.env}\` | ${extra.default === '' ? '(empty)' : `\`${extra.default}\``} | ${cell(extra.doc)} |`);
  return out.join('\n');
}

export function metricsTable(): string {
  const metrics = new WorkerMetrics({ processMetrics: false });
  const rows = metrics.registry.list().map((metric) => `| \`${metric.name}\` | ${metric.type} | ${metric.labelNames.map((l) => `\`${l}\``).join(', ')} | ${cell(metric.help)} |`);
  return [
    '| Metric | Type | Labels | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Plus the process metrics, under the names of prom-client's default metrics (${PROCESS_METRIC_NAMES.map((name) => `\`${name}\``).join(', ')}; the \`/proc\` ones on Linux only).`,
  ].join('\n');
}

const MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  supervisor: supervisorMachine,
  registration: registrationMachine,
  heartbeat: heartbeatMachine,
  poller: pollerMachine,
  task: taskMachine,
};

export function diagrams(): Record<string, string> {
  const out: Record<string, string> = { 'actor-tree': `\`\`\`mermaid\n${actorTree('supervisor', MACHINES)}\n\`\`\`` };
  for (const [name, machine] of Object.entries(MACHINES)) out[`${name}-states`] = `\`\`\`mermaid\n${stateDiagram(machine)}\n\`\`\``;
  return out;
}

/** Replace each `<!-- generated:NAME -->...<!-- /generated:NAME -->` section of `text`. */
export function fillSections(text: string, sections: Readonly<Record<string, string>>, file: string): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const start = `<!-- generated:${name} (scripts/gen-docs.ts; do not edit) -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file}: missing the markers of section "${name}"`);
    out = `${out.slice(0, from + start.length)}\n${body}\n${out.slice(to)}`;
  }
  return out;
}

/** Every generated file's expected content, by path relative to the repository root. */
export function generate(root = repoRoot): Map<string, string> {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const files = new Map<string, string>();
  files.set('packaging/splai-worker.env.example', envExample());
  files.set('packaging/systemd/splai-worker.service', systemdUnit(PACKAGED_UNIT));
  files.set(
    'docs/configuration.md',
    `# Configuration\n\nEvery setting of the worker: its environment variable, its flag (\`splai-worker run --<flag> value\`), its default and meaning.\nPrecedence: flags > environment > config file (\`--config file.json\`) > defaults. Every value is validated at start;\nthe first bad one stops the worker with exit code 2 naming the variable.\n\n<!-- Generated from config/definitions.ts by scripts/gen-docs.ts; do not edit by hand. -->\n\n${settingsTable()}\n`,
  );
  files.set('docs/operations.md', fillSections(read('docs/operations.md'), { settings: settingsTable(), metrics: metricsTable() }, 'docs/operations.md'));
  files.set('docs/architecture.md', fillSections(read('docs/architecture.md'), diagrams(), 'docs/architecture.md'));
  return files;
}

/** Paths whose content on disk differs from what `generate` produces. */
export function stalePaths(root = repoRoot): string[] {
  const stale: string[] = [];
  for (const [path, content] of generate(root)) {
    let current: string | undefined;
    try {
      current = readFileSync(join(root, path), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== content) stale.push(path);
  }
  return stale;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const stale = stalePaths();
    if (stale.length === 0) return 0;
    process.stderr.write(`stale generated files (run npm run docs): ${stale.join(', ')}\n`);
    return 1;
  }
  const files = generate();
  for (const [path, content] of files) {
    mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
    writeFileSync(join(repoRoot, path), content);
  }
  process.stdout.write(`generated ${[...files.keys()].join(', ')}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
