/**
 * Run one assignment through the real thread path: a TaskPool (tinypool
 * threads, the thread entry, the registry, the artifact store), then read the
 * output document it wrote under the artifact root.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskPool } from '../../actors/taskPool.js';
import { resolveConfig } from '../../config/load.js';
import type { ThreadResult } from '../../executors/threadProtocol.js';

export interface PoolRun {
  readonly result: ThreadResult;
  /** The parsed output.json, when the task succeeded. */
  readonly document?: Record<string, unknown>;
}

export async function runInPool(artifactRoot: string, type: string, inputs: Record<string, string>, ids = { job: 'job-pool', task: 'task-pool' }): Promise<PoolRun> {
  const pool = new TaskPool(resolveConfig({ artifactRoot, maxParallelTasks: 1 }));
  try {
    const result = await pool.run({ job_id: ids.job, task_id: ids.task, type, inputs, attempt: 0, lease_id: '' });
    if (!result.ok) return { result };
    const text = await readFile(join(artifactRoot, ids.job, ids.task, 'output.json'), 'utf8');
    return { result, document: JSON.parse(text) as Record<string, unknown> };
  } finally {
    await pool.destroy();
  }
}
