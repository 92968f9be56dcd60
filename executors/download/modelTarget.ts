/**
 * Where a model lives in the cache, after making sure its name cannot leave it.
 * Names come from the network (task inputs): `../../etc`, `/abs`, `a\\b`, `a//b`
 * are refused before any path is built.
 */
import { resolve, sep } from 'node:path';
import { TaskError } from '../TaskError.js';

/** A Hugging Face repo segment: letters, digits, `.`, `_`, `-`, not starting with a dot or dash. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,95}$/;

export interface ModelTarget {
  readonly model: string;
  readonly org: string;
  readonly name: string;
  /** `<cache>/<org>` (where temp dirs and locks of this model go too). */
  readonly orgDir: string;
  /** `<cache>/<org>/<name>`. */
  readonly dir: string;
}

/** Why `model` is not a safe `org/name`, or undefined when it is. */
export function modelNameProblem(model: string): string | undefined {
  if (model === '') return 'is empty';
  if (model.includes('\\')) return 'contains a backslash';
  if (model.startsWith('/')) return 'is an absolute path';
  const segments = model.split('/');
  if (segments.some((segment) => segment === '')) return 'has an empty path segment';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'contains a relative path segment';
  if (segments.length !== 2) return 'must look like org/name';
  if (!segments.every((segment) => SEGMENT.test(segment) && !segment.includes('..'))) return 'has characters a Hugging Face repo name cannot have';
  return undefined;
}

/** The cache location of `model`; a TaskError when the name is unsafe. */
export function modelTarget(cacheDir: string, model: string): ModelTarget {
  const problem = modelNameProblem(model);
  if (problem !== undefined) throw new TaskError(`invalid model name ${JSON.stringify(model.slice(0, 120))}: ${problem}`);
  const [org = '', name = ''] = model.split('/');
  const root = resolve(cacheDir);
  const dir = resolve(root, org, name);
  // Belt and braces: the checks above already make this impossible.
  if (!dir.startsWith(root + sep)) throw new TaskError(`invalid model name ${JSON.stringify(model)}: escapes the model cache`);
  return { model, org, name, orgDir: resolve(root, org), dir };
}
