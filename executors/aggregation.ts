/**
 * `aggregation`: merge inline items and the outputs of dependency tasks into one
 * report, as the reference worker does (see docs/task-types.md and
 * aggregationReduce.ts for the merge rules).
 */
import { reduceSources, type AggregationSource } from './aggregationReduce.js';
import { compareCodePoints, goToLower } from './goCompat.js';
import { boolInput, dependencyUris, firstOf, jsonInput, type Inputs } from '../protocol/inputs.js';
import { isJsonObject, jsonKind } from './jsonKind.js';
import { TaskError } from '../base/TaskError.js';
import type { Executor, ExecutorContext } from './types.js';

/** Run an `aggregation` task: its output fields are `mode`, `source_count`, `sources`, `result`, `provenance`. */
export const execute: Executor = async (context) => {
  const { inputs } = context.assignment;
  const mode = goToLower(firstOf(inputs, 'aggregation_mode', 'mode') || 'structured_report');
  const required = requiredFields(inputs);
  const sources = [...inlineSources(inputs), ...(await dependencySources(context))];
  if (sources.length === 0) throw new TaskError('aggregation requires at least one source (dependency artifact or items_json)');
  const { result, provenance } = reduceSources(sources);
  const missing = required.filter((field) => !Object.hasOwn(result.merged_fields, field));
  if (missing.length > 0) throw new TaskError(`aggregation missing required fields: ${missing.join(',')}`);
  return { mode, source_count: sources.length, sources, result, provenance };
};

/**
 * Each item of `items_json` as source `inline-<n>` (1-based). Items must be
 * objects; a `null` item is kept as an empty source (payload `null`), and
 * `items_json` = `null` means no items, both as Go decodes them.
 */
function inlineSources(inputs: Inputs): AggregationSource[] {
  const parsed = jsonInput(inputs, 'items_json');
  if (parsed === undefined || parsed === null) return [];
  if (!Array.isArray(parsed)) throw new TaskError(`input items_json must be a JSON array of objects, got ${jsonKind(parsed)}`);
  return parsed.map((item: unknown, index): AggregationSource => {
    if (item !== null && !isJsonObject(item)) throw new TaskError(`input items_json: item ${index + 1} must be an object, got ${jsonKind(item)}`);
    return { source_task_id: `inline-${index + 1}`, payload: item };
  });
}

/**
 * Every `dep:<task>:output_uri` input, in task-id order (code points, like Go's
 * sort), loaded through the artifact store. With `strict_dependencies` (default
 * true) a dependency that cannot be loaded, or is not a JSON object, fails the
 * task; otherwise it is skipped with a warning.
 */
async function dependencySources(context: ExecutorContext): Promise<AggregationSource[]> {
  const { inputs } = context.assignment;
  const strict = boolInput(inputs, 'strict_dependencies', true);
  const dependencies = dependencyUris(inputs)
    .filter((dependency) => dependency.taskId.trim() !== '')
    .sort((a, b) => compareCodePoints(a.taskId, b.taskId));
  const sources: AggregationSource[] = [];
  for (const { taskId, uri } of dependencies) {
    context.signal.throwIfAborted();
    try {
      sources.push({ source_task_id: taskId, artifact_uri: uri, payload: await loadPayload(context, uri) });
    } catch (error) {
      const message = `load dependency ${taskId}: ${error instanceof Error ? error.message : String(error)}`;
      if (strict) throw new TaskError(message);
      context.log('warn', `skipping dependency (strict_dependencies=false): ${message}`, { dependency: taskId, uri });
    }
  }
  return sources;
}

async function loadPayload(context: ExecutorContext, uri: string): Promise<Record<string, unknown> | null> {
  const document = await context.artifacts.read(uri);
  if (document !== null && !isJsonObject(document)) throw new Error(`artifact ${uri} is not a JSON object (got ${jsonKind(document)})`);
  return document;
}

/**
 * `required_fields_json` (a JSON array of strings) when given, else
 * `required_fields` (comma list); entries trimmed, blanks dropped.
 *
 * Beyond parity: a malformed `required_fields_json` fails the task naming the
 * input. The reference silently fell back to `required_fields` (usually empty),
 * so a typo switched the check off.
 */
function requiredFields(inputs: Inputs): string[] {
  const parsed = jsonInput(inputs, 'required_fields_json');
  let fields: unknown[];
  if (parsed === undefined) fields = firstOf(inputs, 'required_fields').split(',');
  else if (parsed === null) fields = [];
  else if (Array.isArray(parsed)) fields = parsed;
  else throw new TaskError(`input required_fields_json must be a JSON array of strings, got ${jsonKind(parsed)}`);
  return fields.flatMap((field, index) => {
    if (field === null) return [];
    if (typeof field !== 'string') throw new TaskError(`input required_fields_json: item ${index + 1} must be a string, got ${jsonKind(field)}`);
    return field.trim() === '' ? [] : [field.trim()];
  });
}
