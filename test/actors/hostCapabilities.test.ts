import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { advertisedCpu, gatewayCapacity } from '../../protocol/capacity.js';
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

  it('detects by default: memory, no GPU, local, and a cpu for a gateway capacity one above the slots', () => {
    const body = hostCapabilities(resolveConfig({ workerId: 'w1', maxParallelTasks: 8 }), ['m2', 'm1']);
    // The gateway lets a worker hold cpu/4 tasks, checked against its last heartbeat:
    // 4 x (8 + 1) = 36 never shows the worker full (protocol/capacity.ts).
    expect(body).toMatchObject({ worker_id: 'w1', cpu: Math.max(36, cpus().length), memory: formatMemory(totalmem()), gpu: false, locality: 'local', models: ['m1', 'm2'], backends: [] });
    expect(gatewayCapacity(body.cpu, body.gpu)).toBe(9);
    expect(body.tools).toEqual(detectTools());
  });

  it('caps the derived cpu where the gateway caps capacity (16), and never registers fewer cpus than the host has', () => {
    expect(advertisedCpu({ configured: 0, slots: 2, hostCpus: 2 })).toBe(12);
    expect(advertisedCpu({ configured: 0, slots: 2, hostCpus: 96 })).toBe(96);
    expect(advertisedCpu({ configured: 0, slots: 40, hostCpus: 2 })).toBe(64);
    expect(advertisedCpu({ configured: 6, slots: 8, hostCpus: 2 })).toBe(6);
    // The gateway's own formula: cpu/4, at least 1 (2 with a GPU), at most 16.
    expect([gatewayCapacity(0, false), gatewayCapacity(3, false), gatewayCapacity(3, true), gatewayCapacity(12, false), gatewayCapacity(200, false)]).toEqual([1, 1, 2, 3, 16]);
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
