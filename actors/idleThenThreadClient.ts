/**
 * The daemon's control-plane client: the in-thread client while the worker has
 * never run a task, the I/O thread (actors/controlPlaneThread.ts) from its first
 * report on.
 *
 * Why both: an idle worker sends a heartbeat every few seconds and a poll every
 * 1.5 s, which the main thread handles for nothing, whereas the I/O thread costs
 * ~20 MB (its own isolate, ky, undici's fetch). Under load the HTTP calls are what
 * caps the main thread, and then the thread pays for itself (docs/performance.md).
 * The switch happens once: calls already on the wire finish where they started,
 * and every caller awaits its previous call (one poll, one heartbeat, one report
 * per task at a time), so no ordering changes.
 */
import type { ControlPlaneApi } from './controlPlaneClient.js';
import type { HeartbeatRequest, PollReply, RegisterRequest, RegisterResponse, ReportRequest } from '../protocol/schemas.js';

export class IdleThenThreadClient implements ControlPlaneApi {
  private current: ControlPlaneApi;

  constructor(
    private readonly idle: ControlPlaneApi,
    private readonly thread: ControlPlaneApi,
    /** Told once, when the calls move to the thread. */
    private readonly onSwitch: () => void = () => undefined,
  ) {
    this.current = idle;
  }

  /** Whether calls go to the I/O thread yet. */
  get threaded(): boolean {
    return this.current === this.thread;
  }

  register(body: RegisterRequest, signal?: AbortSignal): Promise<RegisterResponse> {
    return this.current.register(body, signal);
  }

  heartbeat(workerId: string, body: HeartbeatRequest, signal?: AbortSignal): Promise<void> {
    return this.current.heartbeat(workerId, body, signal);
  }

  poll(workerId: string, maxTasks: number, signal?: AbortSignal): Promise<PollReply> {
    return this.current.poll(workerId, maxTasks, signal);
  }

  report(body: ReportRequest, signal?: AbortSignal): Promise<void> {
    // Reports exist only once tasks run: the worker is busy from here on.
    if (this.current !== this.thread) {
      this.current = this.thread;
      this.onSwitch();
    }
    return this.current.report(body, signal);
  }

  healthz(signal?: AbortSignal): Promise<void> {
    return this.current.healthz(signal);
  }
}
