/**
 * An ExecutorContext for calling an executor directly in a unit test: real
 * configuration (defaults plus overrides), a real artifact store when given,
 * and a log that collects what the executor wrote.
 */
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';
import type { ArtifactStore } from '../../artifacts/ArtifactStore.js';
import { resolveConfig } from '../../config/load.js';
import type { WorkerConfig } from '../../config/definitions.js';
import type { ExecutorContext } from '../../executors/types.js';

export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export interface TestContext extends ExecutorContext {
  readonly logged: LoggedLine[];
}

export function contextFor(
  inputs: Record<string, string>,
  options: { config?: Partial<WorkerConfig>; artifacts?: ArtifactStore; signal?: AbortSignal; type?: string } = {},
): TestContext {
  const config = resolveConfig({ artifactRoot: '/nonexistent/splai-test-root', ...options.config });
  const logged: LoggedLine[] = [];
  return {
    assignment: { job_id: 'job-1', task_id: 'task-1', type: options.type ?? 'test', inputs, attempt: 0, lease_id: '' },
    config,
    signal: options.signal ?? new AbortController().signal,
    artifacts: options.artifacts ?? new LocalArtifactStore(config.artifactRoot),
    log: (level, message, fields) => logged.push({ level, message, ...(fields === undefined ? {} : { fields }) }),
    isDraining: () => false,
    trackChild: () => undefined,
    logged,
  };
}
