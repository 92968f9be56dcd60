/**
 * How a `retrieval` task's documents and metadata filters are read from its
 * inputs, exactly as the reference worker decodes them (Go `encoding/json`
 * into a struct and a `map[string]string`).
 */
import { goEqualFold } from './goCompat.js';
import { firstOf, jsonInput, type Inputs } from '../protocol/inputs.js';
import { isJsonObject, jsonKind } from './jsonKind.js';
import { TaskError } from '../base/TaskError.js';

/** One candidate document. `metadata` values are any JSON values, as the reference keeps them. */
export interface RetrievalDocument {
  readonly id: string;
  readonly text: string;
  readonly metadata: Record<string, unknown>;
}

/**
 * `documents_json` when given (then `documents` is ignored, even if no document
 * survives), else `documents`, else none.
 *
 * `documents_json`: an array of `{id, text, metadata}`. A document whose text is
 * blank is dropped; a missing or blank id becomes `doc-<n>`, n being the
 * 1-based position in the array as given (dropped entries still count), which
 * is what the reference does. Text and id are kept as written (not trimmed);
 * `null` entries are blank documents. Field names match case-insensitively
 * (`"Text"` works) because Go's decoder matches struct fields that way.
 *
 * `documents`: one document per non-blank line, trimmed, id `doc-<line number>`
 * counted in the trimmed input.
 */
export function retrievalDocuments(inputs: Inputs): RetrievalDocument[] {
  const parsed = jsonInput(inputs, 'documents_json');
  if (parsed !== undefined) return documentsFromJson(parsed);
  const raw = firstOf(inputs, 'documents');
  if (raw === '') return [];
  const documents: RetrievalDocument[] = [];
  raw.split('\n').forEach((line, index) => {
    const text = line.trim();
    if (text !== '') documents.push({ id: `doc-${index + 1}`, text, metadata: {} });
  });
  return documents;
}

function documentsFromJson(parsed: unknown): RetrievalDocument[] {
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw new TaskError(`input documents_json must be a JSON array of {id, text, metadata}, got ${jsonKind(parsed)}`);
  const documents: RetrievalDocument[] = [];
  parsed.forEach((item: unknown, index) => {
    const where = `input documents_json: item ${index + 1}`;
    if (item === null) return;
    if (!isJsonObject(item)) throw new TaskError(`${where} must be an object, got ${jsonKind(item)}`);
    const id = stringField(item, 'id', where);
    const text = stringField(item, 'text', where);
    const metadata = metadataField(item, where);
    if (text.trim() === '') return;
    documents.push({ id: id.trim() === '' ? `doc-${index + 1}` : id, text, metadata });
  });
  return documents;
}

/**
 * Metadata filters: `filters_json` (an object of strings; `null` values count as
 * "") when given, else `tenant` and `data_classification` when set.
 * `filters_json` = `null` gives no filters (written as `{}`; the reference
 * would write `null` there).
 */
export function retrievalFilters(inputs: Inputs): Record<string, string> {
  const parsed = jsonInput(inputs, 'filters_json');
  if (parsed === undefined) {
    const filters: Record<string, string> = {};
    const tenant = firstOf(inputs, 'tenant');
    const classification = firstOf(inputs, 'data_classification');
    if (tenant !== '') filters['tenant'] = tenant;
    if (classification !== '') filters['data_classification'] = classification;
    return filters;
  }
  if (parsed === null) return {};
  if (!isJsonObject(parsed)) throw new TaskError(`input filters_json must be a JSON object of strings, got ${jsonKind(parsed)}`);
  const entries = Object.entries(parsed).map(([key, value]): [string, string] => {
    if (value === null) return [key, ''];
    if (typeof value !== 'string') throw new TaskError(`input filters_json: field ${key} must be a string, got ${jsonKind(value)}`);
    return [key, value];
  });
  // fromEntries defines own properties, so a key like "__proto__" stays a plain key.
  return Object.fromEntries(entries);
}

/** The value of the last key that equals `name` case-insensitively, as Go's decoder picks struct fields. */
function field(item: Record<string, unknown>, name: string): unknown {
  let found: unknown;
  for (const [key, value] of Object.entries(item)) if (goEqualFold(key, name)) found = value;
  return found;
}

function metadataField(item: Record<string, unknown>, where: string): Record<string, unknown> {
  const value = field(item, 'metadata');
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new TaskError(`${where} field metadata must be an object, got ${jsonKind(value)}`);
  return value;
}

function stringField(item: Record<string, unknown>, name: string, where: string): string {
  const value = field(item, name);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new TaskError(`${where} field ${name} must be a string, got ${jsonKind(value)}`);
  return value;
}
