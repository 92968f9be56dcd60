import { createMachine, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { extractChart, type ChartNode } from '../../inspector/chart.js';
import { activeStateIds, stateText } from '../../inspector/stateValue.js';
import { inspectorScript } from '../../inspector/page/client.js';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects } from '../../machines/effects.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { taskMachine } from '../../machines/task.js';

const find = (node: ChartNode, id: string): ChartNode | undefined => (node.id === id ? node : node.states.map((c) => find(c, id)).find((n) => n !== undefined));
const arrows = (node: ChartNode): string[] => [
  ...node.transitions.flatMap((t) => t.targets.map((target) => `${node.id} -${t.label}${t.guard ? `[${t.guard}]` : ''}-> ${target}`)),
  ...node.states.flatMap(arrows),
];

describe('extractChart', () => {
  it('reads states, initial states, invokes and every kind of transition from a machine', () => {
    const machine = setup({ guards: { ready: () => true }, delays: { later: 10 }, actors: { work: createMachine({}) } }).createMachine({
      id: 'demo',
      initial: 'a',
      on: { reset: '.a' },
      states: {
        a: { on: { go: { target: 'b', guard: 'ready' }, ping: {} }, after: { later: 'b' } },
        b: {
          initial: 'inner',
          invoke: { src: 'work', onDone: 'c', onError: 'a' },
          states: { inner: { always: { target: 'deep', guard: ({ context }) => context === undefined } }, deep: {} },
        },
        c: { type: 'final' },
      },
    });
    const chart = extractChart(machine);
    expect(chart.machine).toBe('demo');
    expect(chart.root.initial).toBe('demo.a');
    expect(find(chart.root, 'demo.b')).toMatchObject({ type: 'compound', initial: 'demo.b.inner', invokes: ['work'] });
    expect(find(chart.root, 'demo.c')?.type).toBe('final');
    expect(arrows(chart.root).sort()).toEqual(
      [
        'demo -reset-> demo.a',
        'demo.a -go[ready]-> demo.b',
        'demo.a -after later-> demo.b',
        'demo.b -done: 0.demo.b-> demo.c',
        'demo.b -error: 0.demo.b-> demo.a',
        'demo.b.inner -always[guard]-> demo.b.deep',
      ].sort(),
    );
    // A targetless transition is kept (drawn inside its state), not dropped.
    expect(find(chart.root, 'demo.a')?.transitions).toContainEqual({ label: 'ping', targets: [] });
  });

  it('draws the real supervisor from its definition, provided or not', () => {
    const chart = extractChart(createSupervisorLogic(inertEffects));
    expect(chart).toEqual(extractChart(supervisorMachine));
    expect(chart.root.states.map((s) => s.key)).toEqual(['registering', 'operating', 'idle', 'busy', 'draining', 'farewell', 'stopped', 'failed']);
    const edges = arrows(chart.root);
    expect(edges).toEqual(
      expect.arrayContaining([
        'supervisor.registering -done: registration[guard]-> supervisor.operating',
        'supervisor.idle -always[hasTasks]-> supervisor.busy',
        'supervisor.busy -always[noTasks]-> supervisor.idle',
        'supervisor.draining.waitingForTasks -after drainGrace-> supervisor.draining.aborting',
      ]),
    );
    expect(find(chart.root, 'supervisor.registering')?.invokes).toEqual(['registration']);
    // The chart is plain JSON: what is sent is what is drawn.
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
  });

  it('draws the task machine', () => {
    const chart = extractChart(taskMachine);
    expect(arrows(chart.root)).toEqual(expect.arrayContaining(['task.executing -done: 0.task.executing-> task.reportingResult', 'task.executing -abort-> task.reportingResult']));
  });
});

describe('state values', () => {
  it('reads as one line and as active node ids', () => {
    expect(stateText('idle')).toBe('idle');
    expect(stateText({ draining: 'aborting' })).toBe('draining.aborting');
    expect(stateText({ p: { a: 'x', b: 'y' } })).toBe('p.(a.x, b.y)');
    expect(activeStateIds('supervisor', { draining: 'aborting' })).toEqual(['supervisor.draining', 'supervisor.draining.aborting']);
    expect(activeStateIds('supervisor', 'idle')).toEqual(['supervisor.idle']);
  });
});

describe('page script', () => {
  it('is valid JavaScript that fetches nothing but its own event stream', () => {
    expect(() => new Function(inspectorScript)).not.toThrow();
    expect(inspectorScript).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(inspectorScript).toContain("new EventSource('/inspect/events')");
  });
});
