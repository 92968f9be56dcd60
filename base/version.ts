import { readFileSync } from 'node:fs';

/** The package version, read from package.json (one level up from cli/ in sources, two from dist/cli/). */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'splai-worker' && pkg.version !== undefined) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
