/**
 * The inspector, loaded only when the inspect setting asks for it: off (the
 * default) costs no import at all (docs/performance.md: start-up and idle memory).
 */
import type { Inspection, InspectionOptions } from './createInspection.js';
import { inspectMode } from './inspectMode.js';

/** What `createInspection` returns when off, without importing it. */
const OFF: Inspection = {
  mode: 'off',
  inspect: undefined,
  mount: () => undefined,
  waitForViewer: () => new Promise(() => undefined),
  close: () => undefined,
};

export async function loadInspection(options: InspectionOptions): Promise<Inspection> {
  if (inspectMode(options.setting) === 'off') return OFF;
  return (await import('./createInspection.js')).createInspection(options);
}
