/**
 * How to start the bench's child processes (its agent, the worker CLI) the same
 * way the bench itself runs: compiled JavaScript from dist/, or TypeScript
 * sources through tsx (the smoke test runs the quick mode from sources).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
/** True when running from TypeScript sources (tsx, vitest). */
export const fromSources = here.endsWith('.ts');
/** The project root: one up from bench/ (sources) or two up from dist/bench/. */
export const projectRoot = fromSources ? dirname(dirname(here)) : dirname(dirname(dirname(here)));

/** Node arguments to run a module of this package, given its path without extension from the package root. */
export function moduleArgs(relative: string): { file: string; execArgv: string[] } {
  return fromSources
    ? { file: join(projectRoot, `${relative}.ts`), execArgv: ['--import', 'tsx'] }
    : { file: join(projectRoot, 'dist', `${relative}.js`), execArgv: [] };
}
