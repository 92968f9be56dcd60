import type { WorkerConfig } from '../config/definitions.js';
import type { ArtifactStore } from './ArtifactStore.js';
import { LocalArtifactStore } from './LocalArtifactStore.js';

/** The artifact store the configuration asks for. */
export async function createArtifactStore(config: WorkerConfig): Promise<ArtifactStore> {
  const local = new LocalArtifactStore(config.artifactRoot);
  if (config.artifactBackend === 'local') return local;
  throw new Error('SPLAI_ARTIFACT_BACKEND=minio is not supported yet by this worker');
}
