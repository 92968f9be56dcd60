/**
 * A fresh control plane for every run, always on the same port.
 *
 * The gateway's queue keeps an entry for every time a task was made ready, and
 * it never forgets a worker: a control plane that served an earlier run slows
 * the next one down and hands tasks to the earlier run's workers. So each run
 * gets a new one. It takes the port of the previous one, and a worker started
 * once against that URL sees what it would see when an in-memory gateway
 * restarts: 404 `worker not registered`, then it registers again. Its threads
 * stay warm from run to run, as in a long-running daemon.
 */
import { startControlPlaneServer, type ControlPlaneServerOptions, type RunningControlPlane } from '../control-plane/httpServer.js';
import { Timeline } from './timeline.js';

export interface ControlPlaneRun {
  readonly server: RunningControlPlane;
  readonly timeline: Timeline;
}

export class ControlPlaneSlot {
  #current: ControlPlaneRun | undefined;
  #port = 0;

  private constructor(readonly options: ControlPlaneServerOptions) {}

  /** A slot with a first control plane already listening (its port is the slot's). */
  static async open(options: ControlPlaneServerOptions = {}): Promise<ControlPlaneSlot> {
    const slot = new ControlPlaneSlot(options);
    await slot.fresh();
    return slot;
  }

  get url(): string {
    if (this.#current === undefined) throw new Error('the control-plane slot is closed');
    return this.#current.server.url;
  }

  get current(): ControlPlaneRun {
    if (this.#current === undefined) throw new Error('the control-plane slot is closed');
    return this.#current;
  }

  /** Replace the control plane with a new, empty one on the same port. */
  async fresh(): Promise<ControlPlaneRun> {
    await this.#closeCurrent();
    const server = await startControlPlaneServer({ ...this.options, port: this.#port });
    this.#port = server.port;
    this.#current = { server, timeline: new Timeline(server.controlPlane) };
    return this.#current;
  }

  async close(): Promise<void> {
    await this.#closeCurrent();
  }

  async #closeCurrent(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    if (current === undefined) return;
    current.timeline.close();
    await current.server.close();
  }
}
