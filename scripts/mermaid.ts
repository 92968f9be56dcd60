/**
 * Mermaid diagrams generated from the machine definitions themselves (their
 * `root` state nodes and `implementations`), so docs/architecture.md shows the
 * machines as they are, not as someone remembered them.
 */
import type { AnyStateMachine } from 'xstate';

/** The parts of an XState state node this walk reads. */
interface NodeLike {
  readonly key: string;
  readonly path: readonly string[];
  readonly type: string;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly initial?: { readonly target: readonly NodeLike[] } | undefined;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
  readonly invoke: readonly { readonly id: string; readonly src: unknown }[];
}

interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly NodeLike[] | undefined;
  readonly guard?: unknown;
}

const idOf = (path: readonly string[]) => (path.length === 0 ? 'root' : path.join('_'));

/**
 * `xstate.done.actor.registration` -> `registration done`; `xstate.after.drainGrace.x`
 * -> `after drainGrace`. Generated invoke ids (`0.task.executing`) are shown as
 * the actor they run (`sources`: invoke id -> src).
 */
export function eventLabel(eventType: string, sources: ReadonlyMap<string, string> = new Map()): string {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor) return `${sources.get(actor[2]!) ?? actor[2]} ${actor[1]}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType;
}

function guardLabel(guard: unknown, index: number): string {
  if (typeof guard === 'string') return ` [${guard}]`;
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') return ` [${(guard as { type: string }).type}]`;
  if (typeof guard === 'function') return ' [condition]';
  return index > 0 ? ' [else]' : '';
}

/** A Mermaid `stateDiagram-v2` of a machine: states, initial states, targeted transitions. */
export function stateDiagram(machine: AnyStateMachine): string {
  const root = machine.root as unknown as NodeLike;
  const lines = ['stateDiagram-v2'];
  const edges = new Map<string, string[]>();
  const addEdge = (scope: string, line: string) => {
    const list = edges.get(scope) ?? [];
    if (!list.includes(line)) list.push(line);
    edges.set(scope, list);
  };

  const sources = new Map<string, string>();
  const findSources = (node: NodeLike) => {
    for (const invoke of node.invoke) if (typeof invoke.src === 'string') sources.set(invoke.id, invoke.src);
    for (const child of Object.values(node.states)) findSources(child);
  };
  findSources(root);

  const collect = (node: NodeLike) => {
    const candidates: [string, readonly TransitionLike[]][] = [...node.transitions];
    if (node.always !== undefined && node.always.length > 0) candidates.push(['', node.always]);
    for (const [event, transitions] of candidates) {
      transitions.forEach((transition, index) => {
        for (const target of transition.target ?? []) {
          // Draw each edge in the innermost composite holding both ends; an end
          // nested deeper is drawn as its ancestor at that level (Mermaid cannot
          // cross composite borders), naming the real source.
          const source = node.path;
          let common = 0;
          while (common < source.length - 1 && common < target.path.length - 1 && source[common] === target.path[common]) common++;
          const from = source.slice(0, common + 1);
          const to = target.path.slice(0, common + 1);
          const lifted = from.length < source.length ? ` (from ${source.slice(common + 1).join('.')})` : '';
          const label = `${event === '' ? 'always' : eventLabel(event, sources)}${guardLabel(transition.guard, index)}${lifted}`;
          addEdge(idOf(source.slice(0, common)), `${idOf(from)} --> ${idOf(to)}: ${label}`);
        }
      });
    }
    for (const child of Object.values(node.states)) collect(child);
  };
  collect(root);

  const emit = (node: NodeLike, indent: string) => {
    const scope = idOf(node.path);
    const initial = node.initial?.target[0];
    if (initial !== undefined) lines.push(`${indent}[*] --> ${idOf(initial.path)}`);
    for (const child of Object.values(node.states)) {
      const id = idOf(child.path);
      if (Object.keys(child.states).length > 0) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        emit(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else lines.push(`${indent}state "${child.key}" as ${id}`);
      if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
    }
    for (const edge of edges.get(scope) ?? []) lines.push(`${indent}${edge}`);
  };
  emit(root, '  ');
  return lines.join('\n');
}

/** A Mermaid flowchart of which machine runs which actors (from each machine's `implementations.actors`). */
export function actorTree(root: string, machines: Readonly<Record<string, AnyStateMachine>>): string {
  const lines = ['flowchart TD'];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const machine = machines[name];
    if (machine === undefined) return;
    for (const child of Object.keys(machine.implementations.actors)) {
      lines.push(`  ${name} --> ${child}${machines[child] === undefined ? `([${child}])` : ''}`);
      visit(child);
    }
  };
  visit(root);
  return lines.join('\n');
}
