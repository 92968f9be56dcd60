/** Where task outputs go and how dependency outputs are read back. */
export interface ArtifactStore {
  /**
   * Write a task's output document and return the URI to report.
   * Ids are validated first (see ids.ts); the write is atomic.
   */
  write(jobId: string, taskId: string, document: Record<string, unknown>): Promise<string>;
  /** Load the JSON document behind an artifact URI (`artifact://...`). */
  read(uri: string): Promise<unknown>;
}
