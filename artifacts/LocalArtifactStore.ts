import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { TaskError } from '../base/TaskError.js';
import type { ArtifactStore } from './ArtifactStore.js';
import { atomicWriteSync } from '../base/atomicWrite.js';
import { assertSafeId, idProblem } from './ids.js';
import { localUri, parseArtifactUri } from './uri.js';

/** Outputs at `<root>/<job>/<task>/output.json`, reported as `artifact://<job>/<task>/output.json`. */
export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string, private readonly options: { fsync?: boolean } = {}) {
    this.root = resolve(root);
  }

  /** The local path of a task's output, after checking both ids. */
  pathOf(jobId: string, taskId: string): string {
    assertSafeId('job id', jobId);
    assertSafeId('task id', taskId);
    return this.inside(join(this.root, jobId, taskId, 'output.json'));
  }

  async write(jobId: string, taskId: string, document: Record<string, unknown>): Promise<string> {
    const path = this.pathOf(jobId, taskId);
    atomicWriteSync(path, `${JSON.stringify(document, null, 2)}\n`, this.options);
    return localUri(jobId, taskId);
  }

  async read(uri: string): Promise<unknown> {
    const location = parseArtifactUri(uri);
    if (location?.backend !== 'local') throw new TaskError(`cannot read artifact ${uri}: not a local artifact URI`);
    for (const segment of [location.jobId, location.taskId, location.name]) {
      const problem = idProblem(segment);
      if (problem !== undefined) throw new TaskError(`cannot read artifact ${uri}: a path segment ${problem}`);
    }
    const path = this.inside(join(this.root, location.jobId, location.taskId, location.name));
    try {
      return JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch (error) {
      throw new TaskError(`cannot read artifact ${uri}: ${(error as Error).message}`);
    }
  }

  /** Belt and braces: whatever was joined must still be under the root. */
  private inside(path: string): string {
    const full = resolve(path);
    if (!full.startsWith(this.root + sep)) throw new TaskError(`path ${full} is outside the artifact root`);
    return full;
  }
}
