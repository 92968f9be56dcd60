/**
 * What the built-in inspector page receives over its event stream. Every value
 * in here has been through the sanitizer (see sanitize.ts) or is a name taken
 * from the machine definitions.
 */
import type { Chart } from './chart.js';
import type { JsonValue } from './sanitize.js';

/** A live state-machine actor (supervisor, registration, heartbeat, poller, `task:<n>`). */
export interface ActorView {
  /** Actor id (`supervisor` for the root). */
  readonly id: string;
  /** Unique per actor instance; what `parent` refers to. */
  readonly session: string;
  readonly parent?: string;
  /** Machine id, the key of its chart. */
  readonly machine: string;
  /** Current state, e.g. `draining.aborting`. */
  readonly state: string;
  /** Ids of the active chart nodes. */
  readonly active: string[];
  readonly status: string;
  readonly context: JsonValue;
}

/** One task in the timeline. Times are epoch milliseconds. */
export interface TaskView {
  readonly actor: string;
  readonly session: string;
  readonly jobId: string;
  readonly taskId: string;
  readonly type: string;
  readonly attempt: number;
  /** `assigned` (reporting Running), `running`, `reporting` (result known), then the final status. */
  readonly status: 'assigned' | 'running' | 'reporting' | 'Completed' | 'Failed' | 'Abandoned';
  readonly assignedAt: number;
  readonly runningAt?: number;
  /** When execution ended (the result was known). */
  readonly endedAt?: number;
  /** When the task actor finished (final report handed over). */
  readonly doneAt?: number;
  /** The executor's own measure of the run. */
  readonly executionMillis?: number;
  readonly error?: string;
}

export interface HistoryEntry {
  readonly state: string;
  readonly at: number;
}

export type InspectorMessage =
  | {
      readonly kind: 'init';
      readonly now: number;
      readonly charts: Record<string, Chart>;
      readonly actors: ActorView[];
      readonly supervisorHistory: HistoryEntry[];
      readonly tasks: TaskView[];
    }
  | { readonly kind: 'chart'; readonly chart: Chart }
  | { readonly kind: 'actor'; readonly actor: ActorView }
  | { readonly kind: 'actor.gone'; readonly session: string }
  | { readonly kind: 'supervisor'; readonly entry: HistoryEntry }
  | { readonly kind: 'task'; readonly task: TaskView }
  | { readonly kind: 'event'; readonly at: number; readonly target: string; readonly source?: string; readonly type: string; readonly event: JsonValue };
