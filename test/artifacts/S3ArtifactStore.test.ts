/**
 * The S3/MinIO artifact backend against a real S3-compatible server (s3rver):
 * upload, bucket creation, URI format, reads of s3 and local URIs, and an
 * aggregation task (in a real task thread) that reads an `s3` dependency.
 */
import { GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TaskPool } from '../../actors/taskPool.js';
import { createArtifactStore } from '../../artifacts/createArtifactStore.js';
import { s3EndpointUrl } from '../../artifacts/s3Endpoint.js';
import { resolveConfig, type WorkerConfig } from '../../config/index.js';
import { startS3Server, type S3TestServer } from './startS3Server.js';

let s3: S3TestServer;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let bucketCount = 0;
async function setup(overrides: Partial<WorkerConfig> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'splai-s3-artifacts-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const bucket = `splai-test-${process.pid}-${++bucketCount}`;
  const config = resolveConfig({
    artifactRoot: root,
    artifactBackend: 'minio',
    minioEndpoint: s3.hostPort,
    minioAccessKey: 'S3RVER',
    minioSecretKey: 'S3RVER',
    minioBucket: bucket,
    ...overrides,
  });
  const client = new S3Client({
    endpoint: `http://${s3.hostPort}`,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  cleanups.push(async () => client.destroy());
  return { root, bucket, config, client };
}

describe('S3ArtifactStore', () => {
  it('creates the bucket, uploads output.json and reports the s3 URI', async () => {
    const { root, bucket, config, client } = await setup();
    await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const store = await createArtifactStore(config);
    const document = { job_id: 'job-7', task_id: 'embed-1', type: 'embedding', vector: [0.6, 0.8] };
    const uri = await store.write('job-7', 'embed-1', document);
    expect(uri).toBe(`artifact://s3/${bucket}/job-7/embed-1/output.json`);

    await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'job-7/embed-1/output.json' }));
    const uploaded = await object.Body?.transformToString();
    const local = await readFile(join(root, 'job-7', 'embed-1', 'output.json'), 'utf8');
    expect(uploaded).toBe(local);
    expect(JSON.parse(local)).toEqual(document);

    // A second write reuses the bucket.
    await expect(store.write('job-7', 'embed-2', { n: 2 })).resolves.toBe(`artifact://s3/${bucket}/job-7/embed-2/output.json`);
  });

  it('reads s3 URIs from the bucket and local URIs from disk', async () => {
    const { config } = await setup();
    const store = await createArtifactStore(config);
    const uri = await store.write('job-r', 'task-a', { answer: 42 });
    // Delete the local copy: the read must come from the bucket.
    await rm(join(config.artifactRoot, 'job-r'), { recursive: true });
    await expect(store.read(uri)).resolves.toEqual({ answer: 42 });

    const localOnly = await createArtifactStore({ ...config, artifactBackend: 'local' });
    const localUri = await localOnly.write('job-r', 'task-b', { local: true });
    expect(localUri).toBe('artifact://job-r/task-b/output.json');
    await expect(store.read(localUri)).resolves.toEqual({ local: true });
    // A local-backend worker with an endpoint still reads s3 dependencies.
    await expect(localOnly.read(uri)).resolves.toEqual({ answer: 42 });
  });

  it('fails reads of missing objects and of other buckets with the URI in the message', async () => {
    const { bucket, config } = await setup();
    const store = await createArtifactStore(config);
    await store.write('job-m', 'x', { ok: true });
    await expect(store.read(`artifact://s3/${bucket}/job-m/missing/output.json`)).rejects.toThrow(`cannot read artifact artifact://s3/${bucket}/job-m/missing/output.json: NoSuchKey`);
    await expect(store.read('artifact://s3/someone-else/job-m/x/output.json')).rejects.toThrow('bucket someone-else is not SPLAI_MINIO_BUCKET');
  });

  it('accepts a full URL endpoint and refuses unsafe ids before uploading', async () => {
    const { bucket, config } = await setup({ minioEndpoint: `http://${s3.hostPort}/` });
    const store = await createArtifactStore(config);
    await expect(store.write('job-u', 'ok', { v: 1 })).resolves.toBe(`artifact://s3/${bucket}/job-u/ok/output.json`);
    await expect(store.write('..', 'x', { v: 1 })).rejects.toThrow(/unsafe job id/);
  });

  it('refuses minio without an endpoint (the config loader refuses it first; the store still checks)', async () => {
    const { config } = await setup();
    await expect(createArtifactStore({ ...config, minioEndpoint: '' })).rejects.toThrow('SPLAI_MINIO_ENDPOINT is required when SPLAI_ARTIFACT_BACKEND=minio');
    expect(() => resolveConfig({ artifactBackend: 'minio', minioEndpoint: '' })).toThrow(/SPLAI_MINIO_ENDPOINT: required/);
  });

  it('builds endpoint URLs as the reference (host:port + SSL flag) or from a URL', () => {
    expect(s3EndpointUrl('minio:9000', false)).toBe('http://minio:9000');
    expect(s3EndpointUrl('minio:9000', true)).toBe('https://minio:9000');
    expect(s3EndpointUrl('https://s3.example.com/', false)).toBe('https://s3.example.com');
  });
});

describe('aggregation of an s3 dependency in a task thread', () => {
  it('uploads a dependency and aggregates it from the bucket', async () => {
    const { bucket, config } = await setup({ maxParallelTasks: 1 });
    const pool = new TaskPool(config);
    cleanups.push(() => pool.destroy());
    const dep = await pool.run({ job_id: 'job-agg', task_id: 'embed', type: 'embedding', inputs: { text: 'hello world', embedding_dimension: '8' }, attempt: 0, lease_id: '' });
    expect(dep).toMatchObject({ ok: true, uri: `artifact://s3/${bucket}/job-agg/embed/output.json` });
    const depUri = (dep as { uri: string }).uri;
    // Only the bucket has it now, as on a worker that did not run the dependency.
    await rm(join(config.artifactRoot, 'job-agg'), { recursive: true });

    const agg = await pool.run({
      job_id: 'job-agg',
      task_id: 'report',
      type: 'aggregation',
      inputs: { 'dep:embed:output_uri': depUri, required_fields: 'backend,model' },
      attempt: 0,
      lease_id: '',
    });
    expect(agg).toMatchObject({ ok: true, uri: `artifact://s3/${bucket}/job-agg/report/output.json` });
    const store = await createArtifactStore(config);
    const report = (await store.read((agg as { uri: string }).uri)) as Record<string, unknown>;
    expect(report).toMatchObject({ type: 'aggregation', source_count: 1, sources: [{ source_task_id: 'embed', artifact_uri: depUri }] });
    expect(report).toHaveProperty(['result', 'merged_fields', 'backend'], 'local');
  });
});
