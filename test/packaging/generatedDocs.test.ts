import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { definitions } from '../../config/definitions.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { METRIC_NAMES } from '../../telemetry/metrics.js';
import { EXTRA_VARIABLES, fillSections, repoRoot, stalePaths } from '../../scripts/gen-docs.js';
import { stateDiagram } from '../../scripts/mermaid.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

describe('generated docs and packaging files', () => {
  it('are up to date with the code (run `npm run docs` when this fails)', () => {
    expect(stalePaths()).toEqual([]);
  });

  it('list every variable in the env example and the operator guide', () => {
    const example = read('packaging/splai-worker.env.example');
    const guide = read('docs/operations.md');
    for (const d of [...Object.values(definitions), ...EXTRA_VARIABLES]) {
      expect(example).toContain(`#${d.env}=${d.default}\n`);
      expect(guide).toContain(`| \`${d.env}\` |`);
    }
    for (const name of METRIC_NAMES) expect(guide).toContain(`| \`${name}\` |`);
  });

  it('draw every supervisor state and transition target in the architecture page', () => {
    const page = read('docs/architecture.md');
    for (const state of ['registering', 'operating', 'idle', 'busy', 'draining', 'farewell', 'stopped', 'failed', 'waitingForTasks', 'aborting', 'flushing']) expect(page).toContain(`state "${state}"`);
    expect(page).toContain('idle --> busy: always [hasTasks]');
    expect(page).toContain('draining --> farewell: after forceDeadline');
    expect(page).toContain('farewell --> stopped: farewell done');
    expect(page).toContain('supervisor --> heartbeat');
  });

  it('turn a machine into Mermaid: initial, nested, guarded, delayed and final', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: {
        a: { on: { GO: [{ target: 'b', guard: 'ready' }, { target: 'c' }] } },
        b: { initial: 'x', states: { x: { after: { 50: 'y' } }, y: { on: { OUT: '#m.c' } } } },
        c: { type: 'final' },
      },
    });
    expect(stateDiagram(machine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> a',
        '  state "a" as a',
        '  state "b" as b {',
        '    [*] --> b_x',
        '    state "x" as b_x',
        '    state "y" as b_y',
        '    b_x --> b_y: after 50',
        '  }',
        '  state "c" as c',
        '  c --> [*]',
        '  a --> b: GO [ready]',
        '  a --> c: GO [else]',
        '  b --> c: OUT (from y)',
      ].join('\n'),
    );
    expect(stateDiagram(supervisorMachine)).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> registering\n/);
  });

  it('refuse a hand-written page that lost its markers', () => {
    expect(() => fillSections('# no markers', { settings: 'x' }, 'docs/x.md')).toThrow('docs/x.md: missing the markers of section "settings"');
    const start = '<!-- generated:s (scripts/gen-docs.ts; do not edit) -->';
    expect(fillSections(`a\n${start}\nold\n<!-- /generated:s -->\nb`, { s: 'new' }, 'f')).toBe(`a\n${start}\nnew\n<!-- /generated:s -->\nb`);
  });
});
