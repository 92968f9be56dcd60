/**
 * The S3/MinIO artifact backend: every output is written locally first (so this
 * worker and its sandbox can always read it), then uploaded as
 * `<job>/<task>/output.json` and reported as `artifact://s3/<bucket>/<job>/<task>/output.json`.
 * `read()` loads `artifact://s3/...` URIs from the bucket (aggregation of
 * dependencies that ran on other workers) and local URIs from disk.
 */
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TaskError } from '../base/TaskError.js';
import type { ArtifactStore } from './ArtifactStore.js';
import { assertSafeId } from './ids.js';
import type { LocalArtifactStore } from './LocalArtifactStore.js';
import { s3EndpointUrl } from './s3Endpoint.js';
import { parseArtifactUri, s3Uri } from './uri.js';

export interface S3Settings {
  /** `host:port` or a URL (SPLAI_MINIO_ENDPOINT). */
  readonly endpoint: string;
  readonly useSsl: boolean;
  /** Empty: the AWS SDK's default credential chain. */
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  /** False: only read `artifact://s3/...` dependencies, write locally (SPLAI_ARTIFACT_BACKEND=local). */
  readonly upload: boolean;
}

/** Make the S3 client for `settings`: path-style (MinIO), region us-east-1. */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: s3EndpointUrl(settings.endpoint, settings.useSsl),
    forcePathStyle: true,
    region: 'us-east-1',
    ...(settings.accessKey === '' ? {} : { credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey } }),
    // The SDK retries (3 attempts, backoff) own the retry policy for uploads.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

export class S3ArtifactStore implements ArtifactStore {
  private bucketReady: Promise<void> | undefined;

  constructor(
    private readonly local: LocalArtifactStore,
    private readonly settings: S3Settings,
    private readonly client: S3Client = createS3Client(settings),
  ) {}

  async write(jobId: string, taskId: string, document: Record<string, unknown>): Promise<string> {
    const localUri = await this.local.write(jobId, taskId, document);
    if (!this.settings.upload) return localUri;
    assertSafeId('job id', jobId);
    assertSafeId('task id', taskId);
    await this.ensureBucket();
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: `${jobId}/${taskId}/output.json`,
          // The same bytes as the local file.
          Body: `${JSON.stringify(document, null, 2)}\n`,
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw new TaskError(`upload of ${jobId}/${taskId}/output.json to bucket ${this.settings.bucket} failed: ${describe(error)}`);
    }
    return s3Uri(this.settings.bucket, jobId, taskId);
  }

  async read(uri: string): Promise<unknown> {
    const location = parseArtifactUri(uri);
    if (location?.backend !== 's3') return this.local.read(uri);
    // Credentials of this worker reach more than task outputs: read only our bucket.
    if (location.bucket !== this.settings.bucket) throw new TaskError(`cannot read artifact ${uri}: bucket ${location.bucket} is not SPLAI_MINIO_BUCKET (${this.settings.bucket})`);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new TaskError(`cannot read artifact ${uri}: ${describe(error)}`);
    }
  }

  /** Create the bucket on first use (once per store; a failure is retried by the next write). */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw new TaskError(`bucket ${this.settings.bucket} is not usable: ${describe(error)}`);
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.settings.bucket }));
    } catch (error) {
      // Another worker created it meanwhile.
      const name = error instanceof Error ? error.name : '';
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}
