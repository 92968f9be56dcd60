/**
 * One switch for the daemon and the demo: from the `inspect` setting
 * (SPLAI_INSPECT / `--inspect`) to an XState inspection observer plus the
 * routes that show it.
 *
 * - `off` (default): nothing at all; `inspect` is undefined, so the worker is
 *   created without an observer and XState does no inspection work.
 * - `builtin` (`1`, `true`): the offline page at `/inspect` (see hub.ts).
 * - `stately`: the bridge to the hosted Stately inspector at `/inspect/stately`.
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { WorkerHttpServer } from '../runtime/httpServer.js';
import { InspectorHub } from './hub.js';
import { mountBuiltinInspector } from './mountBuiltin.js';
import { createStatelyBridge } from './stately.js';
import { inspectMode, type InspectMode } from './inspectMode.js';

export { inspectMode, type InspectMode } from './inspectMode.js';

export interface Inspection {
  readonly mode: InspectMode;
  /** Pass to `createWorker({ inspect })`; undefined when off. */
  readonly inspect: Observer<InspectionEvent> | undefined;
  /** Add the routes; returns the page URL (undefined when off). */
  mount(server: WorkerHttpServer): string | undefined;
  /** Resolves when a page is open (never, when off). */
  waitForViewer(): Promise<void>;
  close(): void;
}

export interface InspectionOptions {
  /** The `inspect` setting. */
  readonly setting: string;
  /** Secret values never to send (`secretValues(config)`). */
  readonly secrets: readonly string[];
}

export function createInspection(options: InspectionOptions): Inspection {
  const mode = inspectMode(options.setting);
  if (mode === 'builtin') {
    const hub = new InspectorHub({ secrets: options.secrets });
    return { mode, inspect: hub.inspect, mount: (server) => mountBuiltinInspector(server, hub), waitForViewer: () => hub.waitForViewer(), close: () => hub.close() };
  }
  if (mode === 'stately') {
    const bridge = createStatelyBridge({ secrets: options.secrets });
    let waiting: Promise<void> | undefined;
    return {
      mode,
      inspect: bridge.inspect,
      mount: (server) => bridge.mount(server),
      // The hosted UI connects from a frame we cannot observe; the bridge page's stream is the signal.
      waitForViewer: () =>
        (waiting ??= new Promise((resolve) => {
          const timer = setInterval(() => {
            if (bridge.viewers > 0) {
              clearInterval(timer);
              resolve();
            }
          }, 200).unref();
        })),
      close: () => bridge.close(),
    };
  }
  return { mode, inspect: undefined, mount: () => undefined, waitForViewer: () => new Promise(() => undefined), close: () => undefined };
}
