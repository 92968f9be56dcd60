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
 * string here: empty means Completed, and any value but Running and Completed
 * counts as Failed (reports.ts).
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
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A task's resource needs (planner.TaskResources); they become `_resource_*` / `_requires_gpu` inputs. */
export const TaskResourcesSchema = v.object({
  cpu: v.optional(v.pipe(v.number(), v.integer())),
  memory: v.optional(v.string()),
  gpu: v.optional(v.boolean()),
});

/** A task's placement constraints (planner.TaskConstraints); `data_locality` becomes `_data_locality`. */
export const TaskConstraintsSchema = v.object({
  data_locality: v.optional(v.string()),
});

/**
 * One task of an explicit DAG submitted to `POST /v1/jobs`. The fields are the
 * gateway planner's (`dependencies`, `timeout_sec`, `max_retries`, `resources`,
 * `constraints`); `depends_on` is accepted as another name for `dependencies`.
 */
export const TaskSubmissionSchema = v.object({
  task_id: nonEmpty,
  type: nonEmpty,
  inputs: v.optional(v.record(v.string(), v.string())),
  depends_on: v.optional(v.array(nonEmpty)),
  dependencies: v.optional(v.array(nonEmpty)),
  max_retries: v.optional(count),
  timeout_sec: v.optional(count),
  resources: v.optional(TaskResourcesSchema),
  constraints: v.optional(TaskConstraintsSchema),
});
export type TaskSubmission = v.InferInput<typeof TaskSubmissionSchema>;
export type TaskSubmissionInput = v.InferOutput<typeof TaskSubmissionSchema>;

/**
 * `POST /v1/jobs` body of the development control plane: a job as an explicit
 * task DAG, with the gateway's job-level fields (see injection.ts).
 */
export const JobSubmissionSchema = v.object({
  job_id: v.optional(nonEmpty),
  tasks: v.pipe(v.array(TaskSubmissionSchema), v.minLength(1, 'a job needs at least one task')),
  /** Every task's `_priority` (default `interactive`). */
  priority: v.optional(v.string()),
  /** Every task's `model` (default: the control plane's `defaultModel`, `llama3-8b-q4`). */
  model: v.optional(v.string()),
  /** Put a `model_download` of the model in front of the llm_inference tasks. */
  install_model_if_missing: v.optional(v.boolean()),
  data_classification: v.optional(v.string()),
  network_isolation: v.optional(v.string()),
  /** The job's tenant (else the `X-SPLAI-Tenant` header, else `default`). */
  tenant: v.optional(v.string()),
});
export type JobSubmission = v.InferInput<typeof JobSubmissionSchema>;
export type JobSubmissionInput = v.InferOutput<typeof JobSubmissionSchema>;

/**
 * Go's json.Decoder reads one value and leaves the rest of the body unread: a
 * body with trailing text after the first value decodes fine. This finds the end
 * of the first value (only called when the whole body is not JSON).
 */
function firstValue(text: string): string | undefined {
  let i = 0;
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return text.slice(start, i + 1);
      }
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth <= 0) return text.slice(start, i + 1);
    } else if (depth === 0 && ' \t\r\n,:'.includes(c)) return text.slice(start, i);
  }
  return depth === 0 && !inString && i > start ? text.slice(start) : undefined;
}

/**
 * Go matches JSON keys to struct fields case-insensitively when there is no exact
 * match (`"Worker_ID"` sets worker_id). Renames such keys to the field's name.
 */
function foldKeys(value: Record<string, unknown>, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  let folded: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    if (key in fields) continue;
    const field = Object.keys(fields).find((f) => f.toLowerCase() === key.toLowerCase());
    if (field === undefined) continue;
    folded ??= { ...value };
    delete folded[key];
    folded[field] = value[key];
  }
  return folded ?? value;
}

/**
 * Parses a JSON request body against a schema, the way Go's json.Decoder fills a
 * struct; any failure is the gateway's 400 `invalid request body`.
 */
export function decodeBody<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const first = firstValue(text);
    try {
      if (first === undefined) throw new Error('no value');
      json = JSON.parse(first);
    } catch {
      throw new GatewayError(400, 'invalid request body');
    }
  }
  // Go decodes a JSON null into a struct as "nothing set".
  if (json === null) json = {};
  if ('entries' in schema) {
    // A struct takes only an object (valibot's object schema would let an array through).
    if (typeof json !== 'object' || Array.isArray(json)) throw new GatewayError(400, 'invalid request body');
    json = foldKeys(json as Record<string, unknown>, (schema as unknown as { entries: Record<string, unknown> }).entries);
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

const INT64_MAX = 9_223_372_036_854_775_807n;

/**
 * `max_tasks` as the gateway reads it: Go's strconv.Atoi (an optional sign and
 * decimal digits, nothing else), and anything unparsable or below 1 means 1.
 * So `5abc`, ` 5`, `1e3` and `2.5` all mean 1, where parseInt would say 5, 5, 1, 2.
 */
export function parseMaxTasks(raw: string | undefined): number {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 1;
  // Atoi fails outside the int64 range; inside it, a huge value just claims the whole queue.
  if (raw.length > 18) {
    const big = BigInt(raw);
    if (big > INT64_MAX || big < -INT64_MAX - 1n) return 1;
  }
  const value = Number(raw);
  return value >= 1 ? value : 1;
}
