/**
 * The contract between the thread entry and the executor of each task type.
 * An executor is a plain async function: it reads its inputs, does the work,
 * honours `signal`, and returns the type's output fields. The thread entry adds
 * `job_id`, `task_id`, `type`, `created_at` and writes the artifact.
 */
import type { WorkerConfig } from '../config/definitions.js';
import type { Assignment } from '../protocol/schemas.js';
import type { ArtifactStore } from '../artifacts/ArtifactStore.js';
import type { SandboxResult, SandboxRunOptions } from '../sandbox/runSandboxed.js';

/** Messages an executor can log; they reach the main thread's logger tagged with the task. */
export type TaskLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface ExecutorContext {
  readonly assignment: Assignment;
  readonly config: WorkerConfig;
  /** Aborted when the task is cancelled (drain deadline, job gone, worker exit). */
  readonly signal: AbortSignal;
  /** Read dependency artifacts (aggregation) and nothing else. */
  readonly artifacts: ArtifactStore;
  readonly log: TaskLog;
  /** True once the worker started draining: long tasks may wrap up early. */
  readonly isDraining: () => boolean;
  /**
   * Tell the main thread about a child process this task started, so it can be
   * reaped even if this thread is terminated (see sandbox/).
   */
  readonly trackChild: (pid: number) => void;
  /**
   * Runs a sandboxed command: through the worker's command host when the pool
   * gave the task one (sandbox/commandHost.ts), else `runSandboxed` in this thread.
   */
  readonly runSandboxed?: (options: SandboxRunOptions) => Promise<SandboxResult>;
}

/** The type-specific fields of a task's output document. */
export type ExecutorOutput = Record<string, unknown>;

export type Executor = (context: ExecutorContext) => Promise<ExecutorOutput>;
