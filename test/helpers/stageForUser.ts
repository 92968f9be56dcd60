/**
 * Stage a TypeScript entry file so that another user (the unprivileged worker
 * user of nonRoot.test.ts) can run it: that user cannot be assumed to read the
 * checkout (a 0700 home directory, a private CI workspace), nor its
 * node_modules, nor the Node binary (scripts/with-node.sh keeps it under
 * ~/.cache). So the entry and the sources it imports are compiled to plain
 * JavaScript (no tsx at run time) into a temp dir, with the packages they
 * import copied next to them, all of it readable by everyone; the Node binary
 * is copied there too when that user cannot reach the one running the tests.
 * (setpriv execs its program with root's capabilities still in effect, so the
 * first exec would work from a private path anyway; anything the worker starts
 * itself, e.g. the command host from process.execPath, would not.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** A user to run as; the process gets this gid alone (no supplementary groups). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

export interface StagedEntry {
  /** The staged tree's root: readable by everyone, a good cwd for the process. */
  readonly dir: string;
  /** The compiled entry file. */
  readonly entry: string;
  /** A Node binary the user can run: `process.execPath`, or a copy of it in `dir`. */
  readonly node: string;
  /** An empty directory in `dir` that everyone may write (an artifact root, a HOME). */
  readonly scratch: string;
  /** Remove the staged tree (also what the user wrote in `scratch`). */
  cleanup(): void;
}

/** `argv` run as `user` through setpriv (which needs root). */
export function asUser(user: RunAs, argv: readonly string[]): string[] {
  return ['/usr/bin/setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...argv];
}

/**
 * Stage `entry` (a .ts file of this repository) for `user`, or for the current
 * user when `user` is undefined (then only the compilation matters).
 */
export function stageForUser(entry: string, user?: RunAs): StagedEntry {
  const base = [tmpdir(), '/tmp'].find((dir) => user === undefined || reachableBy(user, dir));
  if (base === undefined) throw new Error(`no temp dir that uid ${user?.uid} can reach: neither ${tmpdir()} nor /tmp`);
  const dir = mkdtempSync(join(base, 'splai-staged-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const packages = compileClosure(resolve(entry), dir);
    copyPackages(packages, dir);
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    let node = process.execPath;
    if (user !== undefined && !reachableBy(user, node)) {
      node = join(dir, 'bin', 'node');
      mkdirSync(dirname(node));
      copyFileSync(process.execPath, node);
    }
    openUp(dir);
    chmodSync(scratch, 0o777);
    const staged = join(dir, relative(repo, resolve(entry))).replace(/\.ts$/, '.js');
    return { dir, entry: staged, node, scratch, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Whether `user` may search the directory or run the file `path` (so every directory above it too). */
function reachableBy(user: RunAs, path: string): boolean {
  const [program, ...args] = asUser(user, ['/bin/sh', '-c', 'test -x "$1"', 'sh', path]);
  return spawnSync(program!, args, { stdio: 'ignore' }).status === 0;
}

/**
 * Compile `entry` and every repository file it imports at run time (type-only
 * imports are gone after compilation, so they are not followed) into `into`, at
 * the same paths relative to the repository. Returns the bare package names imported.
 */
function compileClosure(entry: string, into: string): Set<string> {
  const packages = new Set<string>();
  const done = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const path = relative(repo, file);
    if (path.startsWith('..') || !path.endsWith('.ts')) throw new Error(`cannot stage ${file}: only TypeScript files of the repository are compiled`);
    const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
    });
    if (diagnostics !== undefined && diagnostics.length > 0) throw new Error(`cannot compile ${path}: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
    const out = join(into, path.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const { fileName: specifier } of ts.preProcessFile(outputText, true, true).importedFiles) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) todo.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(packageName(specifier));
    }
  }
  return packages;
}

/** `valibot` of `valibot/dist/x.js`, `@scope/name` of `@scope/name/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Copy the installed `packages` and their dependencies (as npm laid them out:
 * the nearest node_modules up from the one that depends on them) into `into`,
 * at the same paths relative to the repository. Symlinks are followed: they
 * could point back into the checkout.
 */
function copyPackages(packages: Iterable<string>, into: string): void {
  const copied = new Set<string>();
  const todo = [...packages].map((name) => ({ name, from: repo }));
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const dir = installedAt(next.name, next.from);
    if (copied.has(dir)) continue;
    copied.add(dir);
    // A package nested in one already copied came along with it.
    if (![...copied].some((other) => dir.startsWith(other + sep))) cpSync(dir, join(into, relative(repo, dir)), { recursive: true, dereference: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) todo.push({ name, from: dir });
  }
}

/** Where Node finds package `name` from `from`: the nearest `node_modules/<name>` up to the repository. */
function installedAt(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (relative(repo, dir) === '' || dirname(dir) === dir) throw new Error(`package ${name} is not installed (looked from ${from})`);
  }
}

/** Everyone may read every file and search every directory under `dir`, whatever the umask was. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) openUp(path);
    else chmodSync(path, statSync(path).mode & 0o111 ? 0o755 : 0o644);
  }
}
