/**
 * The SPLAI control-plane wire contract, as valibot schemas.
 *
 * This file is the single source of truth for the shapes the worker sends and
 * receives on the four worker endpoints (register, heartbeat, assignments, report)
 * and for the error body. TypeScript types are inferred from these schemas so that
 * the types can never drift from what is validated at runtime.
 * See docs/protocol.md and ../shared/docs/splai-control-plane-protocol.md.
 */
import * as v from 'valibot';

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1, 'must be a non-empty string'));

/** `POST /v1/workers/register` request body. */
export const RegisterRequestSchema = v.object({
  worker_id: nonEmpty,
  cpu: v.pipe(v.number(), v.integer(), v.minValue(0)),
  memory: v.string(),
  gpu: v.boolean(),
  models: v.array(v.string()),
  tools: v.array(v.string()),
  backends: v.array(v.string()),
  locality: v.string(),
});
export type RegisterRequest = v.InferOutput<typeof RegisterRequestSchema>;

/** `POST /v1/workers/register` 200 reply. The interval is optional: absent or 0 means "use the configured one". */
export const RegisterResponseSchema = v.object({
  accepted: v.boolean(),
  heartbeat_interval_seconds: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0)))),
});
export type RegisterResponse = v.InferOutput<typeof RegisterResponseSchema>;

/**
 * Health a heartbeat announces. The gateway's scheduler leaves out only
 * `unhealthy` workers (any other value counts as healthy), so a stopping worker
 * says `unhealthy`; `degraded` is for operators and dashboards.
 */
export const WorkerHealthSchema = v.picklist(['healthy', 'degraded', 'unhealthy']);
export type WorkerHealth = v.InferOutput<typeof WorkerHealthSchema>;

/** `POST /v1/workers/{id}/heartbeat` request body. */
export const HeartbeatRequestSchema = v.object({
  queue_depth: v.pipe(v.number(), v.integer(), v.minValue(0)),
  running_tasks: v.pipe(v.number(), v.integer(), v.minValue(0)),
  cpu_utilization: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
  memory_utilization: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
  health: WorkerHealthSchema,
  timestamp_unix: v.pipe(v.number(), v.integer()),
});
export type HeartbeatRequest = v.InferOutput<typeof HeartbeatRequestSchema>;

/** `POST /v1/workers/{id}/heartbeat` 200 reply. */
export const HeartbeatResponseSchema = v.object({ accepted: v.boolean() });
export type HeartbeatResponse = v.InferOutput<typeof HeartbeatResponseSchema>;

/**
 * One task assignment. `inputs` is a flat string map (structured values travel as
 * JSON strings); a Go nil map arrives as `null` and is read as `{}`.
 */
export const AssignmentSchema = v.object({
  job_id: nonEmpty,
  task_id: nonEmpty,
  type: nonEmpty,
  inputs: v.pipe(
    v.optional(v.nullable(v.record(v.string(), v.string())), {}),
    v.transform((inputs) => inputs ?? {}),
  ),
  attempt: v.pipe(v.number(), v.integer(), v.minValue(0)),
  lease_id: v.optional(v.string(), ''),
});
export type Assignment = v.InferOutput<typeof AssignmentSchema>;

/**
 * `GET /v1/workers/{id}/assignments` 200 reply. Items are kept raw here: each one
 * is validated on its own (see parseAssignment) so one bad item cannot hide the
 * good ones. The two empty answers mean different things on the gateway and are
 * kept apart: `null` (or no field) means its queue was empty; `[]` means tasks
 * are queued but none may go to this worker now (dependencies, backoff, another
 * worker scores better, capacity, or the poll's claim window held only stale
 * entries of its queue). See {@link PollReply}.
 */
export const AssignmentsResponseSchema = v.object({
  assignments: v.optional(v.nullable(v.array(v.unknown())), null),
});
export type AssignmentsResponse = v.InferOutput<typeof AssignmentsResponseSchema>;

/**
 * What a poll brings: raw assignment items, or `null` when the gateway's queue
 * was empty. An empty list is not "nothing to do": work is queued, it is just
 * not this worker's yet, so the poller asks again soon instead of waiting a
 * whole poll interval.
 */
export type PollReply = unknown[] | null;

/** Task statuses a worker may report. */
export const TaskStatusSchema = v.picklist(['Running', 'Completed', 'Failed']);
export type TaskStatus = v.InferOutput<typeof TaskStatusSchema>;

/** `POST /v1/tasks/report` request body. */
export const ReportRequestSchema = v.object({
  worker_id: nonEmpty,
  job_id: nonEmpty,
  task_id: nonEmpty,
  lease_id: v.string(),
  idempotency_key: nonEmpty,
  status: TaskStatusSchema,
  output_artifact_uri: v.string(),
  error: v.string(),
  duration_millis: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type ReportRequest = v.InferOutput<typeof ReportRequestSchema>;

/** Every gateway error body. */
export const ErrorBodySchema = v.object({ error: v.string() });
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/** `GET /healthz` reply. */
export const HealthzResponseSchema = v.object({ status: v.string() });
