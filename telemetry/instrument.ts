/**
 * The `instrument` option of createWorker: hooks that observe a worker
 * without changing it (metrics, traces, your own). The machines never see them.
 */
import type { ControlPlaneClientOptions } from '../actors/controlPlaneClient.js';
import type { WorkerEffects } from '../machines/effects.js';

/** Hooks that observe a worker without changing it. */
export interface WorkerInstrument {
  /** Wraps every control-plane call of the HTTP client (spans, call counts). */
  readonly around?: ControlPlaneClientOptions['around'];
  /** Wraps the effects the machines run (e.g. a span around poll and execute). */
  readonly effects?: (effects: WorkerEffects) => WorkerEffects;
}
