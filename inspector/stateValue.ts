/**
 * XState state values (`'idle'`, `{ draining: 'aborting' }`) as the inspector
 * shows them: one readable line, and the ids of the active state nodes the page
 * marks on the chart.
 */
import type { StateValue } from 'xstate';

/** `'idle'` -> `idle`; `{ draining: 'aborting' }` -> `draining.aborting`; parallel regions joined by `, `. */
export function stateText(value: StateValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => {
      const inner = stateText(child);
      return inner === '' ? key : inner.includes(', ') ? `${key}.(${inner})` : `${key}.${inner}`;
    })
    .join(', ');
}

/** Ids of every active state node, e.g. `['supervisor.draining', 'supervisor.draining.aborting']`. */
export function activeStateIds(machineId: string, value: StateValue | undefined): string[] {
  const out: string[] = [];
  const walk = (prefix: string, v: StateValue | undefined) => {
    if (v === undefined) return;
    if (typeof v === 'string') {
      out.push(`${prefix}.${v}`);
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      out.push(`${prefix}.${key}`);
      walk(`${prefix}.${key}`, child);
    }
  };
  walk(machineId, value);
  return out;
}
