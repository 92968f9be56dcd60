/**
 * The Dockerfile cannot be built here (no Docker engine), so it is linted
 * (dockerfile-utils, the linter of the VS Code Dockerfile language server) and
 * its invariants are checked: two stages on node:24-bookworm-slim, the same npm
 * steps as .ci/run, the sandbox packages CI installs, a non-root user, tini as
 * PID 1 and a HEALTHCHECK on /healthz.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/gen-docs.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const dockerfile = read('Dockerfile');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const space = full.search(/\s/);
    out.push({ keyword: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

/** Instructions per stage (split at FROM). */
function stages(list: readonly Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

const all = instructions(dockerfile);
const [build, runtime] = stages(all);
const runs = (stage: readonly Instruction[] | undefined) => (stage ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('Dockerfile', () => {
  it('passes the linter', () => {
    expect(validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('has a build and a runtime stage on node:24-bookworm-slim', () => {
    expect(all.find((i) => i.keyword === 'ARG')?.args).toBe('NODE_IMAGE=node:24-bookworm-slim');
    expect(stages(all)).toHaveLength(2);
    expect(build?.[0]?.args).toBe('${NODE_IMAGE} AS build');
    expect(runtime?.[0]?.args).toBe('${NODE_IMAGE} AS runtime');
    expect(runtime?.some((i) => i.keyword === 'COPY' && i.args === '--from=build /src/dist ./dist')).toBe(true);
  });

  it('installs and builds with the same npm steps as CI', () => {
    const ci = read('.ci/run');
    const ciInstall = /^npm ci.*$/m.exec(ci)?.[0];
    expect(ciInstall).toBeDefined();
    expect(runs(build)).toContain(ciInstall);
    expect(runs(build)).toContain('npm run build');
    expect(read('package.json')).toContain('"build": "tsc -p tsconfig.build.json"');
    expect(runs(runtime).some((run) => run.startsWith('npm ci --omit=dev --no-audit --no-fund'))).toBe(true);
  });

  it('has the sandbox packages CI installs (minus the test browser), tini, git and the hf CLI', () => {
    const apt = runs(runtime).find((run) => run.includes('apt-get install')) ?? '';
    const ciPackages = /packages=\(([^)]*)\)/.exec(read('scripts/install-system-deps.sh'))?.[1]?.split(/\s+/).filter((p) => p !== '' && p !== 'chromium') ?? [];
    expect(ciPackages.length).toBeGreaterThan(0);
    for (const pkg of [...ciPackages, 'ca-certificates', 'tini', 'python3', 'python3-venv']) expect(apt.split(/\s+/)).toContain(pkg);
    expect(apt).toContain('--no-install-recommends');
    expect(apt).toContain('rm -rf /var/lib/apt/lists/*');
    expect(runs(runtime).some((run) => run.includes('pip" install --no-cache-dir "huggingface_hub[cli]"'))).toBe(true);
  });

  it('runs as a non-root user with tini as PID 1 and a health check on /healthz', () => {
    const users = all.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(JSON.parse(all.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toEqual(['tini', '--', 'node', 'dist/cli/main.js', 'run']);
    const env = runtime!.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain('SPLAI_HTTP_ADDR=0.0.0.0:9464');
    const health = all.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(health).toContain('http://127.0.0.1:9464/healthz');
    expect(all.find((i) => i.keyword === 'EXPOSE')?.args).toBe('9464');
  });

  it('keeps local state and secrets out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', '*.env', '*.tgz']) expect(ignore).toContain(entry);
  });
});
