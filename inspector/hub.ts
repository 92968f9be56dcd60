/**
 * The built-in inspector's brain: an XState inspection observer (pass `hub.inspect`
 * to `createWorker({ inspect })`) that keeps a small, bounded picture of the
 * worker and streams changes to the pages that are open.
 *
 * Cost model (the inspector may stay on in development for hours):
 * - no page open: per inspection event only a type check and, for supervisor and
 *   task snapshots, a string comparison to keep the supervisor's state history and
 *   the task timeline (both bounded). Nothing is serialised or sanitised;
 * - pages open: each change is sanitised once and written to every stream.
 */
import type { ServerResponse, IncomingMessage } from 'node:http';
import type { AnyActorRef, AnyStateMachine, InspectionEvent, Observer, StateValue } from 'xstate';
import { extractChart, type Chart } from './chart.js';
import type { ActorView, HistoryEntry, InspectorMessage, TaskView } from './messages.js';
import { createSanitizer, type Sanitizer } from './sanitize.js';
import { SseClients } from './sseClients.js';
import { activeStateIds, stateText } from './stateValue.js';

export interface InspectorHubOptions {
  /** Secret values never to send (`secretValues(config)`). */
  readonly secrets?: readonly string[];
  /** Supervisor states kept (default 200). */
  readonly historyLimit?: number;
  /** Tasks kept in the timeline (default 200). */
  readonly timelineLimit?: number;
}

interface Tracked {
  readonly ref: AnyActorRef;
  readonly id: string;
  readonly parent: string | undefined;
  readonly machine: AnyStateMachine;
  state: string;
}

interface MachineSnapshotLike {
  readonly value?: StateValue;
  readonly status?: string;
  readonly context?: unknown;
  readonly output?: unknown;
  readonly children?: Record<string, unknown>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class InspectorHub {
  /** The observer to give to `createActor` / `createWorker`. */
  readonly inspect: Observer<InspectionEvent>;
  readonly #clients = new SseClients();
  readonly #sanitize: Sanitizer;
  readonly #actors = new Map<string, Tracked>();
  readonly #charts = new Map<string, Chart>();
  readonly #machines = new Map<string, AnyStateMachine>();
  readonly #history: HistoryEntry[] = [];
  readonly #tasks = new Map<string, Mutable<TaskView>>();
  readonly #historyLimit: number;
  readonly #timelineLimit: number;
  readonly #viewerWaiters = new Set<() => void>();

  constructor(options: InspectorHubOptions = {}) {
    this.#sanitize = createSanitizer({ secrets: options.secrets ?? [] });
    this.#historyLimit = options.historyLimit ?? 200;
    this.#timelineLimit = options.timelineLimit ?? 200;
    this.inspect = { next: (event) => this.#observe(event) };
  }

  /** Pages currently connected. */
  get viewers(): number {
    return this.#clients.size;
  }

  /** Resolves once at least one page is connected (the demo waits for the newcomer). */
  waitForViewer(): Promise<void> {
    if (this.#clients.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.#viewerWaiters.add(resolve));
  }

  /** Serve the event stream on this request (GET /inspect/events). */
  connect(req: IncomingMessage, res: ServerResponse): void {
    this.#prune();
    this.#clients.open(req, res, (send) => send(this.#initMessage()));
    for (const resolve of this.#viewerWaiters) resolve();
    this.#viewerWaiters.clear();
  }

  /** Close every stream. */
  close(): void {
    this.#clients.closeAll();
  }

  #observe(event: InspectionEvent): void {
    switch (event.type) {
      case '@xstate.actor':
        this.#onActor(event.actorRef as AnyActorRef);
        return;
      case '@xstate.snapshot':
        this.#onSnapshot(event.actorRef as AnyActorRef, event.snapshot as MachineSnapshotLike);
        return;
      case '@xstate.event': {
        if (this.#clients.size === 0) return;
        const target = this.#actors.get(event.actorRef.sessionId);
        if (target === undefined) return;
        const source = event.sourceRef === undefined ? undefined : (this.#actors.get(event.sourceRef.sessionId)?.id ?? (event.sourceRef as AnyActorRef).id);
        this.#send({
          kind: 'event',
          at: Date.now(),
          target: target.id,
          ...(source === undefined ? {} : { source }),
          type: String(this.#sanitize(event.event.type)),
          event: this.#sanitize(event.event),
        });
        return;
      }
      default:
        return;
    }
  }

  #onActor(ref: AnyActorRef): void {
    const machine = machineOf(ref);
    // Promise actors (each poll, report, execution) come and go by the hundred; the
    // tree shows the machines, whose states say what those promises are doing.
    if (machine === undefined) return;
    const parent = ref._parent?.sessionId;
    const tracked: Tracked = { ref, id: parent === undefined ? machine.id : ref.id, parent, machine, state: '' };
    this.#actors.set(ref.sessionId, tracked);
    if (!this.#machines.has(machine.id)) {
      this.#machines.set(machine.id, machine);
      if (this.#clients.size > 0) this.#send({ kind: 'chart', chart: this.#chart(machine) });
    }
  }

  #onSnapshot(ref: AnyActorRef, snapshot: MachineSnapshotLike): void {
    const tracked = this.#actors.get(ref.sessionId);
    if (tracked === undefined) return;
    const state = stateText(snapshot.value);
    const changed = state !== tracked.state;
    tracked.state = state;
    const status = snapshot.status ?? 'active';
    if (tracked.parent === undefined) {
      if (changed) this.#record({ state, at: Date.now() });
      this.#prune();
    } else if (tracked.machine.id === 'task') {
      this.#trackTask(tracked, snapshot, changed);
    }
    // Context changes matter too (a task's error, the supervisor's counters): every snapshot goes out.
    if (this.#clients.size > 0) this.#send({ kind: 'actor', actor: this.#view(tracked, snapshot) });
    if (status !== 'active' && tracked.parent !== undefined) this.#forget(ref.sessionId);
  }

  #record(entry: HistoryEntry): void {
    this.#history.push(entry);
    if (this.#history.length > this.#historyLimit) this.#history.splice(0, this.#history.length - this.#historyLimit);
    if (this.#clients.size > 0) this.#send({ kind: 'supervisor', entry });
  }

  #trackTask(tracked: Tracked, snapshot: MachineSnapshotLike, changed: boolean): void {
    const key = tracked.ref.sessionId;
    let task = this.#tasks.get(key);
    const now = Date.now();
    const context = (snapshot.context ?? {}) as { jobId?: unknown; taskId?: unknown; type?: unknown; attempt?: unknown; error?: unknown; durationMillis?: unknown; status?: unknown };
    if (task === undefined) {
      task = {
        actor: tracked.id,
        session: key,
        jobId: String(context.jobId ?? ''),
        taskId: String(context.taskId ?? ''),
        type: String(context.type ?? ''),
        attempt: typeof context.attempt === 'number' ? context.attempt : 0,
        status: 'assigned',
        assignedAt: now,
      };
      this.#tasks.set(key, task);
    } else if (!changed && snapshot.status === 'active') {
      return;
    }
    if (tracked.state === 'executing' && task.runningAt === undefined) {
      task.runningAt = now;
      task.status = 'running';
    } else if (tracked.state === 'reportingResult' && task.endedAt === undefined) {
      task.endedAt = now;
      task.status = 'reporting';
    }
    if (snapshot.status !== 'active') {
      task.doneAt = now;
      const output = (snapshot.output ?? {}) as { status?: unknown; error?: unknown; durationMillis?: unknown };
      const final = output.status ?? context.status;
      task.status = final === 'Completed' || final === 'Abandoned' ? final : 'Failed';
      const error = output.error ?? context.error ?? (snapshot.status === 'error' ? 'task actor crashed' : '');
      if (task.status === 'Failed' && typeof error === 'string' && error !== '') task.error = error;
      const millis = output.durationMillis ?? context.durationMillis;
      if (typeof millis === 'number' && task.runningAt !== undefined) task.executionMillis = millis;
    }
    if (this.#clients.size > 0) this.#send({ kind: 'task', task: this.#taskView(task) });
    this.#evictFinished();
  }

  /** Keep the timeline bounded by dropping the oldest finished tasks; running ones always stay. */
  #evictFinished(): void {
    if (this.#tasks.size <= this.#timelineLimit) return;
    for (const [key, task] of this.#tasks) {
      if (task.doneAt === undefined) continue;
      this.#tasks.delete(key);
      if (this.#tasks.size <= this.#timelineLimit) return;
    }
  }

  /** Drop actors that stopped without a final snapshot (stopped children). */
  #prune(): void {
    for (const [session, tracked] of this.#actors) {
      if (tracked.parent === undefined) continue;
      const snapshot = tracked.ref.getSnapshot() as MachineSnapshotLike;
      // A child that just finished can be seen here before its own final snapshot event
      // (XState relays its done event to us first): record its end now.
      if (snapshot.status !== 'active') this.#onSnapshot(tracked.ref, snapshot);
      else if ((tracked.ref._parent?.getSnapshot() as MachineSnapshotLike | undefined)?.children?.[tracked.ref.id] !== tracked.ref) this.#forget(session);
    }
  }

  #forget(session: string): void {
    if (!this.#actors.delete(session)) return;
    if (this.#clients.size > 0) this.#send({ kind: 'actor.gone', session });
  }

  #chart(machine: AnyStateMachine): Chart {
    let chart = this.#charts.get(machine.id);
    if (chart === undefined) this.#charts.set(machine.id, (chart = extractChart(machine)));
    return chart;
  }

  #view(tracked: Tracked, snapshot: MachineSnapshotLike = tracked.ref.getSnapshot() as MachineSnapshotLike): ActorView {
    return {
      id: tracked.id,
      session: tracked.ref.sessionId,
      ...(tracked.parent === undefined ? {} : { parent: tracked.parent }),
      machine: tracked.machine.id,
      state: stateText(snapshot.value),
      active: activeStateIds(tracked.machine.id, snapshot.value),
      status: snapshot.status ?? 'active',
      context: this.#sanitize(snapshot.context),
    };
  }

  #taskView(task: TaskView): TaskView {
    return task.error === undefined ? { ...task } : { ...task, error: String(this.#sanitize(task.error)) };
  }

  #initMessage(): InspectorMessage {
    const charts: Record<string, Chart> = {};
    for (const machine of this.#machines.values()) charts[machine.id] = this.#chart(machine);
    return {
      kind: 'init',
      now: Date.now(),
      charts,
      actors: [...this.#actors.values()].map((tracked) => this.#view(tracked)),
      supervisorHistory: [...this.#history],
      tasks: [...this.#tasks.values()].map((task) => this.#taskView(task)),
    };
  }

  #send(message: InspectorMessage): void {
    this.#clients.broadcast(message);
  }
}

/** The state machine an actor runs, or undefined for promise/callback actors. */
function machineOf(ref: AnyActorRef): AnyStateMachine | undefined {
  const logic = (ref as unknown as { logic?: unknown }).logic;
  if (typeof logic !== 'object' || logic === null) return undefined;
  const candidate = logic as { root?: unknown; id?: unknown };
  return typeof candidate.id === 'string' && typeof candidate.root === 'object' && candidate.root !== null ? (logic as AnyStateMachine) : undefined;
}
