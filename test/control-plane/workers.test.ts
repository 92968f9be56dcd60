/**
 * Register and heartbeat (workers.ts; the gateway's RegisterWorker and Heartbeat).
 */
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

describe('register', () => {
  it('replies with the configured heartbeat interval (the gateway always says 5)', () => {
    expect(setup().cp.register({ worker_id: 'w1' })).toEqual({ accepted: true, heartbeat_interval_seconds: 5 });
    expect(setup({ heartbeatIntervalSeconds: 2 }).cp.register({ worker_id: 'w1' })).toEqual({ accepted: true, heartbeat_interval_seconds: 2 });
  });

  it('400 worker_id is required', () => {
    const { cp } = setup();
    expect(() => cp.register({})).toThrow(expect.objectContaining({ status: 400, message: 'worker_id is required' }));
    expect(() => cp.register({ worker_id: '' })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('normalises backends: trimmed, lower-case, remote-api and llamacpp renamed, deduplicated, sorted', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1', backends: [' Ollama', 'remote-api', 'LlamaCpp', 'vLLM', 'ollama', ''] });
    expect(cp.worker('w1')?.backends).toEqual(['llama.cpp', 'ollama', 'remote_api', 'vllm']);
  });
});

describe('rule: register replaces the whole record', () => {
  it('models, tools, backends, locality as sent; health back to healthy; load back to 0', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'w1', cpu: 2, models: ['a', 'a'], tools: ['bash'], backends: ['vllm'], locality: 'eu' });
    cp.heartbeat('w1', { running_tasks: 3, queue_depth: 2, cpu_utilization: 50, memory_utilization: 20, health: 'unhealthy' });
    clock.advance(1000);
    cp.register({ worker_id: 'w1', cpu: 8, models: ['b'] });
    expect(cp.workers()).toHaveLength(1);
    expect(cp.worker('w1')).toMatchObject({
      cpu: 8,
      models: ['b'],
      tools: [],
      backends: [],
      locality: '',
      health: 'healthy',
      running_tasks: 0,
      queue_depth: 0,
      cpu_utilization: 0,
      memory_utilization: 0,
      last_heartbeat_ms: clock.now(),
    });
    // Models are kept as sent, duplicates included.
    cp.register({ worker_id: 'w1', models: ['a', 'a'] });
    expect(cp.worker('w1')?.models).toEqual(['a', 'a']);
  });
});

describe('rule: workers are never aged out', () => {
  it('a worker silent for a week is still registered, and its heartbeat still works', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'w1' });
    clock.advance(7 * 24 * 3600_000);
    cp.submitJob({ tasks: [{ task_id: 't', type: 'x' }] });
    cp.register({ worker_id: 'w2' });
    cp.assignments('w2', 1);
    expect(cp.workers().map((w) => w.worker_id)).toEqual(['w1', 'w2']);
    expect(cp.heartbeat('w1')).toEqual({ accepted: true });
  });
});

describe('heartbeat', () => {
  it('404 worker not registered for an unknown worker', () => {
    const { cp } = setup();
    expect(() => cp.heartbeat('ghost', {})).toThrow(expect.objectContaining({ status: 404, message: 'worker not registered' }));
  });

  it('records load and health; empty health means healthy, any other value is kept', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'w1' });
    clock.advance(10);
    expect(cp.heartbeat('w1', { running_tasks: 2, queue_depth: 1, cpu_utilization: 12.5, memory_utilization: 3, health: '' })).toEqual({ accepted: true });
    expect(cp.worker('w1')).toMatchObject({ running_tasks: 2, queue_depth: 1, cpu_utilization: 12.5, memory_utilization: 3, health: 'healthy', last_heartbeat_ms: clock.now() });
    cp.heartbeat('w1', { health: 'Draining' });
    expect(cp.worker('w1')).toMatchObject({ health: 'Draining', running_tasks: 0 });
  });
});

describe('forgetWorkers and restart', () => {
  it('make heartbeats and polls 404 until the worker registers again', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1' });
    cp.forgetWorkers();
    expect(() => cp.heartbeat('w1')).toThrow('worker not registered');
    expect(() => cp.assignments('w1', 1)).toThrow('worker not registered');
    cp.register({ worker_id: 'w1' });
    expect(cp.heartbeat('w1')).toEqual({ accepted: true });
  });

  it('restart keeps jobs and the queue by default and drops them with keepJobs: false', () => {
    const { cp } = setup();
    const { job_id } = cp.submitJob({ tasks: [{ task_id: 't', type: 'aggregation' }] });
    cp.register({ worker_id: 'w1' });
    cp.restart();
    expect(cp.workers()).toEqual([]);
    expect(cp.getJob(job_id).status).toBe('Running');
    expect(cp.queueLength).toBe(1);
    cp.restart({ keepJobs: false });
    expect(() => cp.getJob(job_id)).toThrow('job not found');
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
  });
});
