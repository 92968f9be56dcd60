/**
 * Read-only views of the records: plain JSON copies, safe to hand to tests and
 * to send on the wire.
 */
import { workerCapacity } from './capacity.js';
import type { JobRecord, JobView, TaskCounts, TaskRecord, TaskView, WorkerRecord, WorkerView } from './types.js';

/** Counts a job's tasks by state. */
export function countTasks(job: JobRecord): TaskCounts {
  const counts: TaskCounts = { total: 0, queued: 0, assigned: 0, running: 0, completed: 0, failed: 0, canceled: 0 };
  for (const task of job.tasks.values()) {
    counts.total++;
    switch (task.status) {
      case 'Queued': counts.queued++; break;
      case 'Assigned': counts.assigned++; break;
      case 'Running': counts.running++; break;
      case 'Completed': counts.completed++; break;
      case 'Failed': counts.failed++; break;
      case 'Canceled': counts.canceled++; break;
    }
  }
  return counts;
}

export function jobView(job: JobRecord): JobView {
  return {
    job_id: job.jobId,
    status: job.status,
    message: job.message,
    tenant: job.tenant,
    priority: job.priority,
    result_artifact_uri: job.resultUri,
    error: job.error,
    tasks: countTasks(job),
    created_at_ms: job.createdAtMs,
    updated_at_ms: job.updatedAtMs,
  };
}

export function taskView(task: TaskRecord): TaskView {
  return {
    task_id: task.taskId,
    type: task.type,
    status: task.status,
    attempt: task.attempt,
    max_retries: task.maxRetries,
    timeout_sec: task.timeoutSec,
    depends_on: [...task.dependsOn],
    inputs: { ...task.inputs },
    worker_id: task.workerId,
    lease_id: task.leaseId,
    lease_expires_at_ms: task.leaseExpiresMs,
    output_artifact_uri: task.outputUri,
    error: task.error,
    reports: task.reports.map((r) => ({ ...r })),
    created_at_ms: task.createdAtMs,
    updated_at_ms: task.updatedAtMs,
  };
}

export function workerView(worker: WorkerRecord): WorkerView {
  return {
    worker_id: worker.workerId,
    cpu: worker.cpu,
    memory: worker.memory,
    gpu: worker.gpu,
    models: [...worker.models],
    tools: [...worker.tools],
    backends: [...worker.backends],
    locality: worker.locality,
    health: worker.health,
    queue_depth: worker.queueDepth,
    running_tasks: worker.runningTasks,
    cpu_utilization: worker.cpuUtilization,
    memory_utilization: worker.memoryUtilization,
    capacity: workerCapacity(worker),
    registered_at_ms: worker.registeredAtMs,
    last_heartbeat_ms: worker.lastHeartbeatMs,
  };
}
