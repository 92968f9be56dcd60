/**
 * Decoding of request bodies the way the Go gateway decodes them.
 *
 * Go's `json.Decoder` into a struct accepts missing fields and `null` (zero values)
 * but refuses a body that is not JSON or a field of the wrong type: both become
 * 400 `invalid request body`. The worker-facing shapes come from
 * `protocol/schemas.ts`; here every field is optional because the gateway checks
 * presence itself (`worker_id is required`) or not at all.
 */
import * as v from 'valibot';
import { RegisterRequestSchema } from '../protocol/schemas.js';
import { GatewayError } from './GatewayError.js';

/** A Go struct field: may be absent or null (both read as the zero value). */
const goField = <S extends v.GenericSchema>(schema: S) => v.optional(v.nullable(schema));

const goInt = v.pipe(v.number(), v.integer());

/** What the gateway reads from `POST /v1/workers/register`. */
export const RegisterBodySchema = v.object({
  worker_id: goField(v.string()),
  cpu: goField(goInt),
  memory: goField(RegisterRequestSchema.entries.memory),
  gpu: goField(RegisterRequestSchema.entries.gpu),
  models: goField(RegisterRequestSchema.entries.models),
  tools: goField(RegisterRequestSchema.entries.tools),
  backends: goField(RegisterRequestSchema.entries.backends),
  locality: goField(RegisterRequestSchema.entries.locality),
});
export type RegisterBody = v.InferOutput<typeof RegisterBodySchema>;

/** What the gateway reads from `POST /v1/workers/{id}/heartbeat`. */
export const HeartbeatBodySchema = v.object({
  queue_depth: goField(goInt),
  running_tasks: goField(goInt),
  cpu_utilization: goField(v.number()),
  memory_utilization: goField(v.number()),
  health: goField(v.string()),
  timestamp_unix: goField(goInt),
});
export type HeartbeatBody = v.InferOutput<typeof HeartbeatBodySchema>;

/**
 * What the gateway reads from `POST /v1/tasks/report`. `status` stays a plain
 * string here: empty means Completed and an unknown value is refused by the core.
 */
export const ReportBodySchema = v.object({
  worker_id: goField(v.string()),
  job_id: goField(v.string()),
  task_id: goField(v.string()),
  lease_id: goField(v.string()),
  idempotency_key: goField(v.string()),
  status: goField(v.string()),
  output_artifact_uri: goField(v.string()),
  error: goField(v.string()),
  duration_millis: goField(goInt),
});
export type ReportBody = v.InferOutput<typeof ReportBodySchema>;

const nonEmpty = v.pipe(v.string(), v.minLength(1, 'must be a non-empty string'));

/** One task of an explicit DAG submitted to `POST /v1/jobs`. */
export const TaskSubmissionSchema = v.object({
  task_id: nonEmpty,
  type: nonEmpty,
  inputs: v.optional(v.record(v.string(), v.string())),
  depends_on: v.optional(v.array(nonEmpty)),
  max_retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  timeout_sec: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type TaskSubmission = v.InferInput<typeof TaskSubmissionSchema>;

/** `POST /v1/jobs` body of the development control plane: a job as an explicit task DAG. */
export const JobSubmissionSchema = v.object({
  job_id: v.optional(nonEmpty),
  tasks: v.pipe(v.array(TaskSubmissionSchema), v.minLength(1, 'a job needs at least one task')),
});
export type JobSubmission = v.InferInput<typeof JobSubmissionSchema>;

/**
 * Parses a JSON request body against a schema; any failure is the gateway's
 * 400 `invalid request body`.
 */
export function decodeBody<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatewayError(400, 'invalid request body');
  }
  const result = v.safeParse(schema, json);
  if (!result.success) throw new GatewayError(400, 'invalid request body');
  return result.output;
}

/**
 * Validates a job submission with a message naming the offending field, because
 * a person writing a DAG by hand needs to know what is wrong with it.
 */
export function parseJobSubmission(input: unknown): v.InferOutput<typeof JobSubmissionSchema> {
  const result = v.safeParse(JobSubmissionSchema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '';
  throw new GatewayError(400, `invalid job: ${path ? `${path}: ` : ''}${issue.message}`);
}
