import type { ExecutorContext } from '../types.js';

/** One way to fill an empty directory with a model's files (hub library, a CLI, git). */
export interface DownloadWay {
  readonly name: string;
  readonly run: (context: ExecutorContext, model: string, into: string) => Promise<void>;
}
