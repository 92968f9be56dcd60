/**
 * An ExecutorContext for calling executors directly in tests: real config
 * (validated like the daemon's), an in-memory log, a controllable signal.
 */
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';
import { resolveConfig, type WorkerConfig } from '../../config/index.js';
import type { ExecutorContext } from '../../executors/types.js';

export interface LogLine {
  readonly level: string;
  readonly message: string;
}

export interface FakeContext extends ExecutorContext {
  readonly logs: LogLine[];
  readonly controller: AbortController;
  readonly children: number[];
}

export function fakeContext(options: { inputs?: Record<string, string>; config?: Partial<WorkerConfig>; type?: string } = {}): FakeContext {
  const config = resolveConfig({ artifactRoot: '/tmp/splai-test-unused', ...options.config });
  const controller = new AbortController();
  const logs: LogLine[] = [];
  const children: number[] = [];
  return {
    assignment: { job_id: 'job-1', task_id: 'task-1', type: options.type ?? 'llm_inference', inputs: options.inputs ?? {}, attempt: 0, lease_id: 'lease-1' },
    config,
    signal: controller.signal,
    artifacts: new LocalArtifactStore(config.artifactRoot),
    log: (level, message) => logs.push({ level, message }),
    isDraining: () => false,
    trackChild: (pid) => children.push(pid),
    logs,
    controller,
    children,
  };
}
