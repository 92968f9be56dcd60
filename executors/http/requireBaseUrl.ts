import { TaskError } from '../../base/TaskError.js';

/**
 * A backend's base URL from the configuration, or the reference's failure
 * `SPLAI_OLLAMA_BASE_URL is required for backend=ollama` when it is not set.
 */
export function requireBaseUrl(value: string, variable: string, backend: string): string {
  if (value === '') throw new TaskError(`${variable} is required for backend=${backend}`);
  return value;
}
