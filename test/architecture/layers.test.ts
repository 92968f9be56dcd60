/**
 * The source folders form layers, and imports only run down them (see
 * docs/architecture.md, "Layers"). A module that needs something from a layer
 * above is a sign that a type or helper sits in the wrong place: move it down
 * rather than add the exception here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bottom first. Folders on one line are peers: neither imports the other. */
const LAYERS: readonly (readonly string[])[] = [
  ['base'],
  ['protocol'],
  ['config', 'machines'],
  ['artifacts', 'sandbox'],
  ['executors'],
  ['actors'],
  ['telemetry'],
  ['runtime'],
  ['control-plane', 'inspector'],
  ['cli', 'testing'],
];

const layerOf = new Map(LAYERS.flatMap((folders, level) => folders.map((folder) => [folder, level] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) found.push(match[1]!);
  return found;
}

/** Every import that leaves its folder for a folder of the same or a higher layer. */
function violations(): string[] {
  const found: string[] = [];
  for (const [folder, level] of layerOf) {
    for (const file of sourceFiles(folder)) {
      for (const specifier of relativeImports(readFileSync(join(root, file), 'utf8'))) {
        const target = normalize(join(dirname(file), specifier));
        const targetFolder = target.split(sep)[0]!;
        if (targetFolder === folder) continue;
        const targetLevel = layerOf.get(targetFolder);
        if (targetLevel === undefined || targetLevel >= level) found.push(`${file} -> ${relative('.', target)}`);
      }
    }
  }
  return found;
}

describe('layers', () => {
  it('names every source folder of the package', () => {
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && sourceFiles(entry.name).length > 0)
      .map((entry) => entry.name)
      .filter((name) => !['node_modules', 'dist', 'test', 'bench', 'scripts', 'docs'].includes(name));
    expect(folders.filter((name) => !layerOf.has(name))).toEqual([]);
  });

  it('finds the imports it checks (static, re-export, dynamic)', () => {
    const source = "import { a } from '../base/a.js';\nexport type { B } from './b.js';\nconst c = await import('../c.js');\nimport '../side.js';\nimport x from 'xstate';";
    expect(relativeImports(source)).toEqual(['../base/a.js', './b.js', '../c.js', '../side.js']);
  });

  it('has no import that runs up or sideways', () => {
    expect(violations()).toEqual([]);
  });
});
