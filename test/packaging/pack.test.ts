/**
 * `npm pack` produces a package that installs and runs: pack the repository
 * (prepack builds it), install the tarball into an empty project (dependencies
 * come from the npm cache when they are there), then run its bin and import it.
 * Slow (~30 s): it lives in its own file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/gen-docs.js';

const run = promisify(execFile);
const TIMEOUT = 240_000;
let packDir = '';
let projectDir = '';
let tarball = '';
let packedFiles: string[] = [];

const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), 'splai-pack-'));
  projectDir = await mkdtemp(join(tmpdir(), 'splai-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: repoRoot, env: npmEnv, maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT });
  // prepack's build output precedes the JSON on stdout.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
  tarball = join(packDir, report[0]!.filename);
  packedFiles = report[0]!.files.map((file) => file.path);
  await writeFile(join(projectDir, 'package.json'), JSON.stringify({ name: 'splai-consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: projectDir, env: npmEnv, timeout: TIMEOUT });
}, TIMEOUT);

afterAll(async () => {
  await rm(packDir, { recursive: true, force: true });
  await rm(projectDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the compiled code, docs and packaging, not sources or tests', () => {
    expect(packedFiles).toContain('dist/cli/main.js');
    expect(packedFiles).toContain('dist/index.js');
    expect(packedFiles).toContain('dist/index.d.ts');
    expect(packedFiles).toContain('packaging/systemd/splai-worker.service');
    expect(packedFiles).toContain('packaging/splai-worker.env.example');
    expect(packedFiles).toContain('docs/operations.md');
    expect(packedFiles.filter((path) => path.startsWith('test/') || path.startsWith('scripts/') || (path.endsWith('.ts') && !path.endsWith('.d.ts')))).toEqual([]);
  });

  it('installs, and its bin answers --help and --version', async () => {
    const version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const help = await run('npx', ['--no-install', 'splai-worker', '--help'], { cwd: projectDir, env: npmEnv, timeout: 60_000 });
    expect(help.stdout).toContain('Usage: splai-worker <command>');
    for (const command of ['run', 'verify', 'join', 'demo']) expect(help.stdout).toContain(`  ${command} `);
    const shown = await run('npx', ['--no-install', 'splai-worker', '--version'], { cwd: projectDir, env: npmEnv, timeout: 60_000 });
    expect(shown.stdout.trim()).toBe(version);
    const runHelp = await run('npx', ['--no-install', 'splai-worker', 'run', '--help'], { cwd: projectDir, env: npmEnv, timeout: 60_000 });
    expect(runHelp.stdout).toContain('SPLAI_CONTROL_PLANE_URL');
  }, 120_000);

  it('imports as a library', async () => {
    const script = "const lib = await import('splai-worker'); console.log(JSON.stringify([typeof lib.createWorker, typeof lib.startWorkerEndpoints, typeof lib.WorkerMetrics, typeof lib.supervisorMachine]));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: projectDir, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function', 'object']);
  }, 120_000);

  it('imports splai-worker/testing once the user has msw (its handlers are MSW handlers)', async () => {
    const ours = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; peerDependencies?: Record<string, string> };
    const msw = ours.peerDependencies?.['msw'] ?? ours.devDependencies['msw']!;
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `msw@${msw}`], { cwd: projectDir, env: npmEnv, timeout: TIMEOUT });
    const script = "const testing = await import('splai-worker/testing'); console.log(JSON.stringify([typeof testing.startControlPlaneServer, typeof testing.createMockControlPlane]));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: projectDir, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual(['function', 'function']);
  }, TIMEOUT);
});
