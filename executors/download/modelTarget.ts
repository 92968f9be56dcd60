/**
 * Where a model lives in the cache, after making sure its name cannot leave it.
 * Names come from the network (task inputs, the gateway's router): a plain name
 * such as `llama3-8b-q4` or `gpt2` is one directory `<cache>/<name>`, a Hugging
 * Face id `org/name` is `<cache>/<org>/<name>`. `../../etc`, `/abs`, `a\\b`,
 * `a//b` and anything with more segments are refused before any path is built.
 */
import { resolve, sep } from 'node:path';
import { TaskError } from '../../base/TaskError.js';

/** A Hugging Face repo segment: letters, digits, `.`, `_`, `-`, not starting with a dot or dash. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,95}$/;

export interface ModelTarget {
  /** The name as asked for (`gpt2`, `acme/tiny`). */
  readonly model: string;
  /** The org of an `org/name` id; undefined for a one-segment name. */
  readonly org: string | undefined;
  /** The model directory's own name: `name` of `org/name`, or the whole one-segment name. */
  readonly leaf: string;
  /** The resolved cache root. */
  readonly cacheDir: string;
  /**
   * The directory holding the model dir and its work entries (lock, temp dirs,
   * old copies): `<cache>/<org>`, or `<cache>` itself for a one-segment name.
   */
  readonly parentDir: string;
  /** `<cache>/<org>/<name>` or `<cache>/<name>`. */
  readonly dir: string;
}

/** Why `model` is not a safe model name, or undefined when it is. */
export function modelNameProblem(model: string): string | undefined {
  if (model === '') return 'is empty';
  if (model.includes('\\')) return 'contains a backslash';
  if (model.startsWith('/')) return 'is an absolute path';
  const segments = model.split('/');
  if (segments.some((segment) => segment === '')) return 'has an empty path segment';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'contains a relative path segment';
  if (segments.length > 2) return 'must be a name or org/name';
  if (!segments.every((segment) => SEGMENT.test(segment) && !segment.includes('..'))) return 'has characters a Hugging Face repo name cannot have';
  return undefined;
}

/** The cache location of `model`; a TaskError when the name is unsafe. */
export function modelTarget(cacheDir: string, model: string): ModelTarget {
  const problem = modelNameProblem(model);
  if (problem !== undefined) throw new TaskError(`invalid model name ${JSON.stringify(model.slice(0, 120))}: ${problem}`);
  const segments = model.split('/');
  const root = resolve(cacheDir);
  const dir = resolve(root, ...segments);
  // Belt and braces: the checks above already make this impossible.
  if (!dir.startsWith(root + sep)) throw new TaskError(`invalid model name ${JSON.stringify(model)}: escapes the model cache`);
  const org = segments.length === 2 ? segments[0] : undefined;
  return { model, org, leaf: segments.at(-1) ?? model, cacheDir: root, parentDir: org === undefined ? root : resolve(root, org), dir };
}
