import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../config/ConfigError.js';
import { definitions } from '../../config/definitions.js';
import { loadConfig, redactConfig, resolveConfig, secretValues } from '../../config/load.js';
import { tempDir } from '../helpers/cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function configFile(content: unknown): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const path = join(dir.path, 'worker.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('has the reference defaults', () => {
    const config = loadConfig();
    expect(config).toMatchObject({
      workerId: 'worker-local',
      controlPlaneUrl: 'http://localhost:8080',
      maxParallelTasks: 2,
      heartbeatSeconds: 5,
      pollMillis: 1500,
      artifactRoot: '/tmp/splai-artifacts',
      modelCacheDir: '/tmp/splai-artifacts/models',
      artifactBackend: 'local',
      minioBucket: 'splai-artifacts',
      embeddingDimension: 384,
      embeddingHttpRetries: 2,
      retrievalHttpRetries: 2,
      drainGraceSeconds: 30,
      gpu: 'false',
    });
  });

  it('reads every SPLAI_* variable the reference reads', () => {
    const reference = [
      'SPLAI_WORKER_ID', 'SPLAI_CONTROL_PLANE_URL', 'SPLAI_API_TOKEN', 'SPLAI_MAX_PARALLEL_TASKS', 'SPLAI_HEARTBEAT_SECONDS',
      'SPLAI_POLL_MILLIS', 'SPLAI_ARTIFACT_ROOT', 'SPLAI_MODEL_CACHE_DIR', 'SPLAI_ARTIFACT_BACKEND', 'SPLAI_MINIO_ENDPOINT',
      'SPLAI_MINIO_ACCESS_KEY', 'SPLAI_MINIO_SECRET_KEY', 'SPLAI_MINIO_BUCKET', 'SPLAI_MINIO_USE_SSL', 'SPLAI_OLLAMA_BASE_URL',
      'SPLAI_VLLM_BASE_URL', 'SPLAI_LLAMACPP_BASE_URL', 'SPLAI_REMOTE_API_BASE_URL', 'SPLAI_REMOTE_API_KEY', 'SPLAI_WORKER_BACKENDS',
      'SPLAI_EMBEDDING_BACKEND', 'SPLAI_EMBEDDING_MODEL', 'SPLAI_EMBEDDING_DIMENSION', 'SPLAI_EMBEDDING_HTTP_RETRIES',
      'SPLAI_RETRIEVAL_BACKEND', 'SPLAI_RETRIEVAL_BASE_URL', 'SPLAI_RETRIEVAL_API_KEY', 'SPLAI_RETRIEVAL_HTTP_RETRIES', 'HF_TOKEN',
    ];
    const envNames = Object.values(definitions).map((d) => d.env);
    expect(envNames).toEqual(expect.arrayContaining(reference));
  });

  it('applies flags over env over file over defaults', async () => {
    const file = await configFile({ workerId: 'from-file', SPLAI_POLL_MILLIS: 700, maxParallelTasks: 3, workerBackends: ['vllm', 'Remote-API'] });
    const env = { SPLAI_WORKER_ID: 'from-env', SPLAI_MAX_PARALLEL_TASKS: '5' };
    const config = loadConfig({ file, env, flags: { maxParallelTasks: '7' } });
    expect(config.workerId).toBe('from-env');
    expect(config.maxParallelTasks).toBe(7);
    expect(config.pollMillis).toBe(700);
    expect(config.workerBackends).toEqual(['vllm', 'Remote-API']);
  });

  it('refuses a malformed number, naming the variable and the expected form', () => {
    expect(() => loadConfig({ env: { SPLAI_MAX_PARALLEL_TASKS: 'lots' } })).toThrow(
      /SPLAI_MAX_PARALLEL_TASKS: expected a whole number from 1 to 1024, got "lots"/,
    );
    expect(() => loadConfig({ env: { SPLAI_POLL_MILLIS: '-5' } })).toThrow(/SPLAI_POLL_MILLIS/);
    expect(() => loadConfig({ env: { SPLAI_CONTROL_PLANE_URL: 'localhost:8080' } })).toThrow(/SPLAI_CONTROL_PLANE_URL: expected an http/);
    expect(() => loadConfig({ env: { SPLAI_MINIO_USE_SSL: 'maybe' } })).toThrow(/SPLAI_MINIO_USE_SSL: expected true or false/);
    expect(() => loadConfig({ env: { SPLAI_ARTIFACT_BACKEND: 'ftp' } })).toThrow(/expected one of local, minio/);
  });

  it('names the flag when the bad value came from a flag', () => {
    try {
      loadConfig({ flags: { heartbeatSeconds: 'soon' } });
      expect.unreachable();
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(/--heartbeat-seconds/);
    }
  });

  it('never echoes a secret in an error message', () => {
    expect(() => loadConfig({ file: '/nonexistent/worker.json' })).toThrow(/cannot read config file/);
    // A secret is plain text, so its only failure mode is elsewhere; check redaction of the printable copy.
    const config = resolveConfig({ apiToken: 'tok-123456', hfToken: 'hf_abcdef', remoteApiKey: 'sk-zzzzzz' });
    const printable = JSON.stringify(redactConfig(config));
    for (const secret of ['tok-123456', 'hf_abcdef', 'sk-zzzzzz']) expect(printable).not.toContain(secret);
    expect(secretValues(config).sort()).toEqual(['hf_abcdef', 'sk-zzzzzz', 'tok-123456']);
  });

  it('refuses unknown keys and non-object files', async () => {
    expect(() => loadConfig({ file: '/dev/null' })).toThrow(/cannot read config file/);
    const unknown = await configFile({ wokerId: 'typo' });
    expect(() => loadConfig({ file: unknown })).toThrow(/unknown setting "wokerId"/);
    const array = await configFile([1, 2]);
    expect(() => loadConfig({ file: array })).toThrow(/must hold a JSON object/);
  });

  it('refuses the minio backend without an endpoint, at start rather than on every task', () => {
    expect(() => loadConfig({ env: { SPLAI_ARTIFACT_BACKEND: 'minio' } })).toThrow(/SPLAI_MINIO_ENDPOINT: required when SPLAI_ARTIFACT_BACKEND=minio/);
    expect(loadConfig({ env: { SPLAI_ARTIFACT_BACKEND: 'minio', SPLAI_MINIO_ENDPOINT: '127.0.0.1:9000' } }).artifactBackend).toBe('minio');
  });

  it('derives the model cache and state dir from the artifact root', () => {
    const config = resolveConfig({ artifactRoot: '/data/a', workerId: 'gpu box/1' });
    expect(config.modelCacheDir).toBe('/data/a/models');
    expect(config.stateDir).toBe('/data/a/.state/gpu_box_1');
  });
});
