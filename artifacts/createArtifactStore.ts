import type { WorkerConfig } from '../config/definitions.js';
import type { ArtifactStore } from './ArtifactStore.js';
import { LocalArtifactStore } from './LocalArtifactStore.js';

/**
 * The artifact store the configuration asks for. `minio` uploads every output to
 * the bucket; `local` with an S3 endpoint configured still reads `artifact://s3/...`
 * dependencies. The S3 SDK is only loaded when an endpoint is set.
 */
export async function createArtifactStore(config: WorkerConfig): Promise<ArtifactStore> {
  const upload = config.artifactBackend === 'minio';
  // Local outputs are fsync'd: the Completed report (made durable by the outbox)
  // must never point at an output a power cut can lose. With uploads the bucket
  // holds the reported copy (a failed upload fails the task), so the local one is
  // a cache and skips the fsync (~3-5 ms per task, docs/performance.md).
  const local = new LocalArtifactStore(config.artifactRoot, { fsync: !upload });
  if (config.minioEndpoint === '') {
    if (upload) throw new Error('SPLAI_MINIO_ENDPOINT is required when SPLAI_ARTIFACT_BACKEND=minio');
    return local;
  }
  const { S3ArtifactStore } = await import('./S3ArtifactStore.js');
  return new S3ArtifactStore(local, {
    endpoint: config.minioEndpoint,
    useSsl: config.minioUseSsl,
    accessKey: config.minioAccessKey,
    secretKey: config.minioSecretKey,
    bucket: config.minioBucket,
    upload,
  });
}
