import * as v from 'valibot';

/**
 * Parse JSON text and validate it against a schema: the output, or undefined
 * when the text is not JSON or not of that shape (whatever is wrong with it,
 * callers treat it the same: not usable).
 */
export function parseJsonAs<const TSchema extends v.GenericSchema>(schema: TSchema, text: string): v.InferOutput<TSchema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success ? parsed.output : undefined;
}
