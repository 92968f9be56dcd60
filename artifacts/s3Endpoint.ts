/**
 * SPLAI_MINIO_ENDPOINT as the reference reads it (`host:port`, with
 * SPLAI_MINIO_USE_SSL choosing the scheme) or, beyond it, a full URL.
 */
export function s3EndpointUrl(endpoint: string, useSsl: boolean): string {
  const trimmed = endpoint.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  return `${useSsl ? 'https' : 'http'}://${trimmed}`;
}
