/**
 * The local artifact store writes only under its root, refuses bad ids before
 * touching the disk, and reads back only artifact URIs that stay in the root.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { idProblem, jobIdProblem } from '../../artifacts/ids.js';
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `<parent>/root`, so anything written beside the root is visible in `parent`. */
function storeInTemp(): { parent: string; root: string; store: LocalArtifactStore } {
  const parent = mkdtempSync(join(tmpdir(), 'splai-store-test-'));
  made.push(parent);
  const root = join(parent, 'root');
  return { parent, root, store: new LocalArtifactStore(root, { fsync: false }) };
}

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

describe('LocalArtifactStore', () => {
  it('writes <root>/<job>/<task>/output.json and reports its artifact URI', async () => {
    const { root, store } = storeInTemp();
    await expect(store.write('job-1', 'task-1', { ok: true })).resolves.toBe('artifact://job-1/task-1/output.json');
    expect(JSON.parse(readFileSync(join(root, 'job-1', 'task-1', 'output.json'), 'utf8'))).toEqual({ ok: true });
    await expect(store.read('artifact://job-1/task-1/output.json')).resolves.toEqual({ ok: true });
    expect(files(root)).toEqual(['job-1/task-1/output.json']);
  });

  it.each([
    ['..', 'task-1'],
    ['job-1', '..'],
    ['../outside', 'task-1'],
    ['job-1', '../../outside'],
    ['job-1', 'a\\b'],
    ['', 'task-1'],
    ['job-1', 'a\0b'],
    ['x'.repeat(201), 'task-1'],
    ['models', 'some-model'],
    ['sandboxes', 'job-2'],
    ['.state', 'worker-local'],
  ])('refuses job %j task %j and writes nothing', async (job, task) => {
    const { parent, store } = storeInTemp();
    await expect(store.write(job, task, { pwned: true })).rejects.toMatchObject({ name: 'TaskError', message: expect.stringMatching(/^unsafe (job|task) id /) });
    expect(files(parent)).toEqual([]);
  });

  it('never writes outside its root, whatever the ids', async () => {
    const { parent, root, store } = storeInTemp();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), async (job, task) => {
        const accepted = jobIdProblem(job) === undefined && idProblem(task) === undefined;
        const written = await store.write(job, task, { job, task }).then(
          () => true,
          () => false,
        );
        expect(written).toBe(accepted);
        expect(readdirSync(parent).filter((name) => name !== 'root')).toEqual([]);
        if (written) expect(JSON.parse(readFileSync(join(root, job, task, 'output.json'), 'utf8'))).toEqual({ job, task });
      }),
      { numRuns: 200 },
    );
    // Everything written is exactly two segments below the root.
    for (const file of files(root)) expect(file.split('/').slice(2)).toEqual(['output.json']);
  });

  it.each(['artifact://../x/output.json', 'artifact://job-1/../output.json', 'artifact://job-1/task-1/..', 'artifact://a\\b/t/output.json', 'file:///etc/passwd', 'artifact://job-1/output.json'])(
    'refuses to read %j',
    async (uri) => {
      const { store } = storeInTemp();
      await expect(store.read(uri)).rejects.toMatchObject({ name: 'TaskError', message: expect.stringContaining(`cannot read artifact ${uri}`) });
    },
  );
});
