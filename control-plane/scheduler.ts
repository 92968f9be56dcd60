/**
 * Which ready tasks a polling worker gets.
 *
 * Rules from the gateway: an `llm_inference` task for backend B only goes to a
 * worker that listed B, when that worker listed any backends at all; tasks whose
 * model the worker already holds are preferred. Otherwise first ready, first served.
 */
import { normalizeBackend } from './workers.js';
import type { TaskRecord, WorkerRecord } from './types.js';

/** The backend an llm_inference task asks for (`backend` input, default `ollama`), normalised. */
export function taskBackend(task: TaskRecord): string {
  return normalizeBackend(task.inputs['backend'] ?? '') || 'ollama';
}

/** The model a task names, or empty. */
export function taskModel(task: TaskRecord): string {
  return (task.inputs['model'] ?? '').trim();
}

/** Whether the worker may run the task at all. */
export function workerCanRun(worker: WorkerRecord, task: TaskRecord): boolean {
  if (task.type !== 'llm_inference' || worker.backends.length === 0) return true;
  return worker.backends.includes(taskBackend(task));
}

/**
 * Picks up to `max` tasks from the ready set (in its order) for the worker.
 * `eligible` filters out what may not run now (retry backoff, inactive job).
 * Cost is linear in the ready set only while tasks are skipped, so a benchmark
 * with a long queue and a simple worker stays O(max).
 */
export function pickTasks(
  ready: Iterable<TaskRecord>,
  worker: WorkerRecord,
  max: number,
  eligible: (task: TaskRecord) => boolean,
): TaskRecord[] {
  const picked: TaskRecord[] = [];
  const fits = (task: TaskRecord) => eligible(task) && workerCanRun(worker, task);
  if (worker.models.length > 0) {
    // First pass: tasks whose model this worker already holds.
    const held = new Set(worker.models);
    for (const task of ready) {
      if (picked.length >= max) return picked;
      const model = taskModel(task);
      if (model !== '' && held.has(model) && fits(task)) picked.push(task);
    }
  }
  for (const task of ready) {
    if (picked.length >= max) break;
    if (!picked.includes(task) && fits(task)) picked.push(task);
  }
  return picked;
}
