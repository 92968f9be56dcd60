/**
 * The state chart of a machine, read from the machine itself at runtime
 * (`machine.root` and its state nodes), as plain JSON the inspector page draws.
 * Because it is derived from the running definition, the picture cannot drift
 * from the code.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One transition, as drawn: an arrow (targets) or a note inside its state (no target). */
export interface ChartTransition {
  /** What triggers it: an event type, `always`, `after <delay>`, `done: <child>`, `error: <child>`. */
  readonly label: string;
  /** Target state ids; empty for a targetless (internal) transition. */
  readonly targets: string[];
  /** Guard name, `guard` for an inline guard function. */
  readonly guard?: string;
}

export interface ChartNode {
  /** Full id, e.g. `supervisor.draining.aborting`; what snapshots mark active. */
  readonly id: string;
  /** Its own key, e.g. `aborting`. */
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Id of the initial child state, for compound states. */
  readonly initial?: string;
  /** Actors invoked while in this state (by their source name). */
  readonly invokes: string[];
  readonly transitions: ChartTransition[];
  readonly states: ChartNode[];
}

export interface Chart {
  /** The machine id (`supervisor`, `task`, ...). */
  readonly machine: string;
  readonly root: ChartNode;
}

type Transition = AnyStateNode['transitions'] extends Map<string, (infer T)[]> ? T : never;

/** Extract the chart of a machine (or of the provided machine an actor runs). */
export function extractChart(machine: AnyStateMachine): Chart {
  return { machine: machine.id, root: nodeOf(machine.root) };
}

function nodeOf(node: AnyStateNode): ChartNode {
  const transitions: ChartTransition[] = [];
  for (const [eventType, list] of node.transitions) {
    // Delayed transitions are listed below with their delay's name instead.
    if (eventType.startsWith('xstate.after.')) continue;
    for (const t of list) transitions.push(transitionOf(labelOf(eventType), t));
  }
  for (const t of node.always ?? []) transitions.push(transitionOf('always', t));
  for (const t of node.after) transitions.push(transitionOf(`after ${typeof t.delay === 'function' ? 'delay' : String(t.delay)}`, t));
  const initial = node.type === 'compound' ? node.initial.target[0]?.id : undefined;
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    ...(initial === undefined ? {} : { initial }),
    invokes: node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)),
    transitions,
    states: Object.values(node.states).map(nodeOf),
  };
}

function transitionOf(label: string, t: Transition): ChartTransition {
  const guard = guardName(t.guard);
  return {
    label,
    targets: (t.target ?? []).map((target) => target.id),
    ...(guard === undefined ? {} : { guard }),
  };
}

/** `xstate.done.actor.registration` reads better as `done: registration`. */
function labelOf(eventType: string): string {
  const match = /^xstate\.(done|error)\.actor\.(.*)$/.exec(eventType);
  if (match !== null) return `${match[1]}: ${match[2]}`;
  if (eventType.startsWith('xstate.done.state.')) return 'done';
  return eventType;
}

function guardName(guard: Transition['guard']): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return 'guard';
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'guard';
}
