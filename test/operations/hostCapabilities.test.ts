import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectGpu, detectTools, formatMemory, hostCapabilities, inferBackends } from '../../actors/hostCapabilities.js';
import { resolveConfig } from '../../config/load.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function pathWith(executables: string[], plain: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'splai-tools-'));
  dirs.push(dir);
  for (const name of [...executables, ...plain]) await writeFile(join(dir, name), '#!/bin/sh\n');
  for (const name of executables) await chmod(join(dir, name), 0o755);
  return dir;
}

describe('host capabilities', () => {
  it('writes memory as the gateway does', () => {
    expect(formatMemory(16 * 2 ** 30)).toBe('16Gi');
    expect(formatMemory(16 * 2 ** 30 + 900 * 2 ** 20)).toBe('16Gi');
    expect(formatMemory(512 * 2 ** 20)).toBe('512Mi');
    expect(formatMemory(1)).toBe('1Mi');
  });

  it('finds the tools on PATH that are executable', async () => {
    const first = await pathWith(['git', 'hf'], ['bash']);
    const second = await pathWith(['python3']);
    expect(detectTools([first, '', second].join(delimiter))).toEqual(['python3', 'git', 'hf']);
    expect(detectTools('')).toEqual([]);
  });

  it('reports a GPU only when forced, or with auto and an NVIDIA device', () => {
    const withDevice = (path: string) => path === '/dev/nvidia0';
    const without = () => false;
    expect(detectGpu('false', withDevice)).toBe(false);
    expect(detectGpu('true', without)).toBe(true);
    expect(detectGpu('auto', withDevice)).toBe(true);
    expect(detectGpu('auto', without)).toBe(false);
    expect(detectGpu('auto', (path) => path === '/proc/driver/nvidia/gpus')).toBe(true);
  });

  it('detects by default: CPU count, memory, no GPU, local', () => {
    const body = hostCapabilities(resolveConfig({ workerId: 'w1' }), ['m2', 'm1']);
    expect(body).toMatchObject({ worker_id: 'w1', cpu: cpus().length, memory: formatMemory(totalmem()), gpu: false, locality: 'local', models: ['m1', 'm2'], backends: [] });
    expect(body.tools).toEqual(detectTools());
  });

  it('lets configuration override every detected value', () => {
    const config = resolveConfig({
      workerId: 'w2',
      workerCpu: 64,
      workerMemory: '256Gi',
      gpu: 'true',
      workerTools: ['bash', 'jq'],
      workerModels: ['llama3-8b-q4', 'm1'],
      locality: 'eu-west-1a',
      workerBackends: ['Remote-API', 'LLAMACPP'],
      ollamaBaseUrl: 'http://127.0.0.1:11434',
    });
    expect(hostCapabilities(config, ['m1'])).toEqual({
      worker_id: 'w2',
      cpu: 64,
      memory: '256Gi',
      gpu: true,
      models: ['llama3-8b-q4', 'm1'],
      tools: ['bash', 'jq'],
      backends: ['llama.cpp', 'ollama', 'remote', 'remote_api'],
      locality: 'eu-west-1a',
    });
    expect(inferBackends(resolveConfig({ vllmBaseUrl: 'http://v:8000', workerBackends: ['vllm'] }))).toEqual(['vllm']);
  });
});
