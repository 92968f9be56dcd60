import { fileURLToPath } from 'node:url';

/**
 * The file a thread or a process of the worker starts from: `<name>.js`, compiled
 * in the package, or `<name>.dev.mjs` when the worker runs from its TypeScript
 * sources (tests, tsx): a shim that loads the TypeScript loader first, which a
 * new thread or process does not inherit. `name` is relative to `callerUrl`
 * (the caller's `import.meta.url`), without an extension.
 */
export function entryFile(callerUrl: string, name: string): string {
  const fromSources = callerUrl.endsWith('.ts');
  return fileURLToPath(new URL(`${name}${fromSources ? '.dev.mjs' : '.js'}`, callerUrl));
}
