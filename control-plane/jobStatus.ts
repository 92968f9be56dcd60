/**
 * How the gateway derives a job's status from its tasks (the recount at the end
 * of ReportTaskResult, and reconcileJobStatus after lease expiry).
 *
 * Any Failed task makes the job Failed; all tasks Completed make it Completed,
 * with the output URI of a completed task as its result; anything else is
 * Running. So the status can go back: a late report that re-queues a Failed
 * task, or re-opens a Completed one, makes the job Running again.
 *
 * The gateway picks the result URI from a completed task in its map order, which
 * is random; here it is the output of the task whose report completed the job
 * (or, when that one reported no URI, of another completed task).
 */
import type { Store } from './store.js';
import { jobView } from './views.js';
import type { JobRecord, JobState, TaskRecord } from './types.js';

function resultUri(job: JobRecord, last: TaskRecord | undefined): string {
  if (last !== undefined && last.status === 'Completed' && last.outputUri !== '') return last.outputUri;
  let found = '';
  for (const task of job.tasks.values()) if (task.status === 'Completed' && task.outputUri !== '') found = task.outputUri;
  return found;
}

function setJobStatus(store: Store, job: JobRecord, status: JobState, nowMs: number): void {
  job.updatedAtMs = nowMs;
  if (job.status === status) return;
  job.status = status;
  store.emit({ type: 'job.status', job: jobView(job) });
}

/** The status a job's task counts call for (Canceled and Archived jobs are not recounted by the callers). */
function countedStatus(job: JobRecord): JobState {
  if (job.failedTasks > 0) return 'Failed';
  if (job.completedTasks === job.tasks.size && job.tasks.size > 0) return 'Completed';
  return 'Running';
}

/** The recount that ends every applied final report, with the gateway's job messages. */
export function recountAfterReport(store: Store, job: JobRecord, reported: TaskRecord, nowMs: number): void {
  const status = countedStatus(job);
  if (status === 'Failed') {
    if (job.message === '') job.message = 'one or more tasks failed';
  } else if (status === 'Completed') {
    job.message = 'all tasks completed';
    job.resultUri = resultUri(job, reported);
  } else {
    if (reported.status === 'Completed' && job.message.startsWith('retrying task ')) job.message = 'in progress';
    if (job.message.trim() === '') job.message = 'in progress';
  }
  setJobStatus(store, job, status, nowMs);
}

/** reconcileJobStatus: the recount after lease expiry; messages only change on Failed or Completed. */
export function reconcileJobStatus(store: Store, job: JobRecord, nowMs: number): void {
  if (job.status === 'Canceled' || job.status === 'Archived') return;
  const status = countedStatus(job);
  if (status === 'Failed') {
    if (job.message === '') job.message = 'one or more tasks failed';
  } else if (status === 'Completed') {
    job.message = 'all tasks completed';
    job.resultUri = resultUri(job, undefined);
  }
  setJobStatus(store, job, status, nowMs);
}

/** Sets a job's status directly (cancel, archive). */
export { setJobStatus };
