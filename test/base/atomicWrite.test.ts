/**
 * Atomic writes: a writer killed mid-write never leaves a half file at the
 * target, a failed write leaves no temp file, concurrent writers never mix.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { atomicWriteSync } from '../../base/atomicWrite.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'splai-atomic-test-'));
  made.push(dir);
  return dir;
}

const moduleUrl = new URL('../../base/atomicWrite.ts', import.meta.url).href;

describe('atomicWrite', () => {
  it('leaves the previous output intact when the writer is killed mid-write', async () => {
    const dir = tempDir();
    const target = join(dir, 'output.json');
    writeFileSync(target, '{"complete":"old"}\n');
    // A real process writing 256 MB: SIGKILLed once its temp file has started to fill.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { atomicWriteSync } = await import(${JSON.stringify(moduleUrl)}); atomicWriteSync(${JSON.stringify(target)}, Buffer.alloc(256 * 2 ** 20, 120));`], {
      stdio: 'ignore',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const tempStarted = async (): Promise<boolean> => {
      for (let i = 0; i < 400; i++) {
        const temp = readdirSync(dir).find((name) => name.includes('.tmp-'));
        if (temp !== undefined && statSync(join(dir, temp), { throwIfNoEntry: false })?.size !== 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return false;
    };
    expect(await tempStarted()).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(readFileSync(target, 'utf8')).toBe('{"complete":"old"}\n');
  });

  it('removes its temp file when the rename fails', async () => {
    const dir = tempDir();
    const target = join(dir, 'output.json');
    mkdirSync(join(target, 'occupied'), { recursive: true }); // a non-empty directory cannot be renamed over
    expect(() => atomicWriteSync(target, 'content')).toThrow();
    expect(readdirSync(dir)).toEqual(['output.json']);
  });

  it('replaces an earlier output whole and leaves no temp file', () => {
    const dir = tempDir();
    const target = join(dir, 'output.json');
    for (const content of ['first'.repeat(100_000), 'second']) atomicWriteSync(target, content);
    expect(readFileSync(target, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['output.json']);
  });
});
