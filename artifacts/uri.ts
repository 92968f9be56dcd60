/** Artifact URIs as the SPLAI gateway and the reference worker write them. */

export type ArtifactLocation =
  | { backend: 'local'; jobId: string; taskId: string; name: string }
  | { backend: 's3'; bucket: string; key: string };

export function localUri(jobId: string, taskId: string): string {
  return `artifact://${jobId}/${taskId}/output.json`;
}

export function s3Uri(bucket: string, jobId: string, taskId: string): string {
  return `artifact://s3/${bucket}/${jobId}/${taskId}/output.json`;
}

/** Parse an artifact URI; undefined when it is not one. */
export function parseArtifactUri(uri: string): ArtifactLocation | undefined {
  if (!uri.startsWith('artifact://')) return undefined;
  const parts = uri.slice('artifact://'.length).split('/');
  if (parts[0] === 's3' && parts.length >= 3) {
    const [, bucket, ...rest] = parts;
    if (bucket === undefined || bucket === '' || rest.some((p) => p === '')) return undefined;
    return { backend: 's3', bucket, key: rest.join('/') };
  }
  if (parts.length !== 3) return undefined;
  const [jobId, taskId, name] = parts;
  if (jobId === undefined || taskId === undefined || name === undefined) return undefined;
  return { backend: 'local', jobId, taskId, name };
}
