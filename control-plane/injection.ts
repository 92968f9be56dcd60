/**
 * What the gateway adds to a job's tasks between planning and scheduling
 * (handleJobs, injectModelBackend, injectModelInstallTasks in
 * internal/api/server.go; AddJob in internal/scheduler/engine.go). The
 * development control plane takes the DAG from the submission instead of a
 * planner, then applies the same additions, so a worker sees the inputs it
 * would see from the real gateway.
 *
 * - `priority` (default `interactive`) becomes every task's `_priority`.
 * - The router's model (the job's `model`, else the default `llama3-8b-q4`)
 *   **overwrites** every task's `model` input, whatever the type.
 * - `llm_inference` tasks without a `backend` get the router's (default `ollama`).
 * - `install_model_if_missing` (with an llm_inference task in the job) puts a
 *   `model_download` task `t0-model-install` first (inputs model, source
 *   `huggingface`, only_if_missing `true`; timeout 1800 s, max_retries 1); every
 *   llm_inference task depends on it and gets `_install_model_if_missing=true`
 *   and `model_source=huggingface`.
 * - `data_classification` -> `_data_classification`, `network_isolation` ->
 *   `_network_isolation`; a task's `resources` -> `_resource_cpu` (> 0),
 *   `_resource_memory`, `_requires_gpu=true`; `constraints.data_locality` ->
 *   `_data_locality`.
 */
import type { JobSubmissionInput, TaskSubmissionInput } from './wire.js';

/** The gateway router's defaults (internal/models/router.go). */
export const DEFAULT_MODEL = 'llama3-8b-q4';
export const DEFAULT_BACKEND = 'ollama';

/** What the router and the control plane's options decide for every job. */
export interface InjectionSettings {
  /** The router's default model (used when the job names none). */
  readonly defaultModel: string;
  /** The router's backend for llm_inference tasks that name none. */
  readonly defaultBackend: string;
  /** `max_retries` of a task that gives none. */
  readonly defaultMaxRetries: number;
  /** The gateway overwrites every task's `model`; false keeps a task's own and fills in only where missing. */
  readonly overwriteTaskModel: boolean;
}

/** A task as the scheduler will hold it. */
export interface PlannedTask {
  readonly taskId: string;
  readonly type: string;
  readonly inputs: Record<string, string>;
  readonly dependsOn: string[];
  readonly maxRetries: number;
  readonly timeoutSec: number;
}

const isLlm = (type: string): boolean => type.trim().toLowerCase() === 'llm_inference';

const INSTALL_TASK_ID = 't0-model-install';

/** A task of the plan before AddJob's additions (planner.Task). */
interface PlanTask extends PlannedTask {
  readonly resources?: TaskSubmissionInput['resources'];
  readonly constraints?: TaskSubmissionInput['constraints'];
}

/** injectModelBackend: llm_inference tasks without a backend get the router's. */
function injectBackend(tasks: readonly PlanTask[], backend: string): void {
  if (backend === '') return;
  for (const t of tasks) if (isLlm(t.type) && (t.inputs['backend'] ?? '').trim() === '') t.inputs['backend'] = backend;
}

/** injectModelInstallTasks: a model_download in front of the job, which every llm_inference task waits for. */
function injectInstallTask(tasks: PlanTask[], model: string, install: boolean): PlanTask[] {
  const name = model.trim();
  if (!install || name === '' || !tasks.some((t) => isLlm(t.type))) return tasks;
  const taken = new Set(tasks.map((t) => t.taskId));
  const taskId = taken.has(INSTALL_TASK_ID) ? `${INSTALL_TASK_ID}-1` : INSTALL_TASK_ID;
  for (const t of tasks) {
    if (!isLlm(t.type)) continue;
    t.inputs['_install_model_if_missing'] = 'true';
    t.inputs['model_source'] = 'huggingface';
    if (!t.dependsOn.includes(taskId)) t.dependsOn.push(taskId);
  }
  const installTask: PlanTask = {
    taskId,
    type: 'model_download',
    inputs: { model: name, source: 'huggingface', only_if_missing: 'true' },
    dependsOn: [],
    maxRetries: 1,
    timeoutSec: 1800,
  };
  return [installTask, ...tasks];
}

/** AddJob: the job-level fields and the task's resources and constraints become inputs. */
function addJobInputs(t: PlanTask, job: JobSubmissionInput, priority: string, model: string, overwriteModel: boolean): void {
  const inputs = t.inputs;
  inputs['_priority'] = priority;
  if (job.data_classification) inputs['_data_classification'] = job.data_classification;
  if (model !== '' && (overwriteModel || (inputs['model'] ?? '') === '')) inputs['model'] = model;
  if (job.network_isolation) inputs['_network_isolation'] = job.network_isolation;
  if (t.resources) {
    if ((t.resources.cpu ?? 0) > 0) inputs['_resource_cpu'] = String(t.resources.cpu);
    const memory = (t.resources.memory ?? '').trim();
    if (memory !== '') inputs['_resource_memory'] = memory;
    if (t.resources.gpu) inputs['_requires_gpu'] = 'true';
  }
  const locality = (t.constraints?.data_locality ?? '').trim();
  if (locality !== '') inputs['_data_locality'] = locality;
}

/** The job's tasks with the gateway's additions, in scheduling order (an install task first). */
export function planTasks(job: JobSubmissionInput, settings: InjectionSettings): PlannedTask[] {
  const priority = job.priority || 'interactive';
  const model = job.model || settings.defaultModel;
  let tasks: PlanTask[] = job.tasks.map((t) => ({
    taskId: t.task_id,
    type: t.type,
    inputs: { ...(t.inputs ?? {}) },
    dependsOn: [...new Set([...(t.depends_on ?? []), ...(t.dependencies ?? [])])],
    maxRetries: t.max_retries ?? settings.defaultMaxRetries,
    timeoutSec: t.timeout_sec ?? 0,
    ...(t.resources ? { resources: t.resources } : {}),
    ...(t.constraints ? { constraints: t.constraints } : {}),
  }));
  injectBackend(tasks, settings.defaultBackend.trim());
  tasks = injectInstallTask(tasks, model, job.install_model_if_missing ?? false);
  for (const t of tasks) addJobInputs(t, job, priority, model, settings.overwriteTaskModel);
  return tasks.map(({ taskId, type, inputs, dependsOn, maxRetries, timeoutSec }) => ({ taskId, type, inputs, dependsOn, maxRetries, timeoutSec }));
}
