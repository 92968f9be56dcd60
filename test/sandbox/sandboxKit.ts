/**
 * Shared pieces of the sandbox tests: a real ExecutorContext around a temp
 * artifact root, the level check that fails loudly when the host lacks an
 * isolation level, and a /proc scan for processes a command left behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../config/load.js';
import type { WorkerConfig } from '../../config/definitions.js';
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';
import { execute } from '../../executors/toolExecution.js';
import type { ExecutorContext, ExecutorOutput } from '../../executors/types.js';
import { detectSandboxLevel, type SandboxLevel } from '../../sandbox/detectSandboxLevel.js';

export interface ToolRun {
  readonly root: string;
  readonly children: number[];
  readonly controller: AbortController;
  readonly context: ExecutorContext;
}

/** A temp dir removed by `cleanup()` (call it in afterEach/afterAll). */
export function tempDirs(): { make: (prefix?: string) => string; cleanup: () => void } {
  const dirs: string[] = [];
  return {
    make: (prefix = 'splai-sandbox-test-') => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup: () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Build a real ExecutorContext for a tool_execution task under `root`. */
export function toolContext(root: string, inputs: Record<string, string>, options: { config?: Partial<WorkerConfig>; job?: string; task?: string } = {}): ToolRun {
  const config = resolveConfig({ artifactRoot: root, ...options.config });
  const controller = new AbortController();
  const children: number[] = [];
  const context: ExecutorContext = {
    assignment: { job_id: options.job ?? 'job-1', task_id: options.task ?? 'task-1', type: 'tool_execution', inputs, attempt: 0, lease_id: '' },
    config,
    signal: controller.signal,
    artifacts: new LocalArtifactStore(root),
    log: () => undefined,
    isDraining: () => false,
    trackChild: (pid) => children.push(pid),
  };
  return { root, children, controller, context };
}

/** Run `command` as a tool_execution task at `level` through the real executor. */
export function runTool(root: string, level: SandboxLevel, command: string, inputs: Record<string, string> = {}, config: Partial<WorkerConfig> = {}): Promise<ExecutorOutput> {
  return execute(toolContext(root, { command, ...inputs }, { config: { sandbox: level, ...config } }).context);
}

/**
 * Fail (never skip) when this host cannot run `level`: CI installs bubblewrap
 * and runs as root, so a missing level there is a broken environment.
 */
export function requireLevel(level: Exclude<SandboxLevel, 'none'>): void {
  const support = detectSandboxLevel(level);
  if (support.level !== level) {
    throw new Error(`sandbox level ${level} is not available on this machine, so its tests cannot run: ${support.refusal ?? support.summary}. Install bubblewrap (apt-get install bubblewrap) and run as root or with user namespaces enabled.`);
  }
}

/** Live processes whose command line contains `needle` (host view of /proc). */
export function processesMatching(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Wait until `check` is true or `millis` passed; returns the last value of `check`. */
export async function eventually(check: () => boolean, millis = 5000): Promise<boolean> {
  const deadline = Date.now() + millis;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

/** A number unlikely to appear in any other process's command line (e.g. `sleep <n>`). */
export function uniqueSeconds(): number {
  return 100_000 + Math.floor(Math.random() * 800_000);
}
