import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

describe('register', () => {
  it('accepts and replies with the configured heartbeat interval (default 5)', () => {
    expect(setup().cp.register({ worker_id: 'w1' })).toEqual({ accepted: true, heartbeat_interval_seconds: 5 });
    expect(setup({ heartbeatIntervalSeconds: 2 }).cp.register({ worker_id: 'w1' })).toEqual({
      accepted: true,
      heartbeat_interval_seconds: 2,
    });
  });

  it('requires worker_id', () => {
    const { cp } = setup();
    expect(() => cp.register({})).toThrow('worker_id is required');
    expect(() => cp.register({ worker_id: '' })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('normalises backends like the gateway', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1', backends: ['Ollama', 'remote-api', 'LlamaCpp', 'vLLM', 'ollama'] });
    expect(cp.worker('w1')?.backends).toEqual(['ollama', 'remote_api', 'llama.cpp', 'vllm']);
  });

  it('is an upsert: registering again replaces the record', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1', cpu: 2, models: ['a'] });
    cp.register({ worker_id: 'w1', cpu: 8, models: ['b'] });
    expect(cp.workers()).toHaveLength(1);
    expect(cp.worker('w1')).toMatchObject({ cpu: 8, models: ['b'] });
  });
});

describe('heartbeat', () => {
  it('404 worker not registered for an unknown worker', () => {
    const { cp } = setup();
    expect(() => cp.heartbeat('ghost', {})).toThrow(expect.objectContaining({ status: 404, message: 'worker not registered' }));
  });

  it('records load and defaults health to healthy', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'w1' });
    expect(cp.heartbeat('w1', { running_tasks: 2, queue_depth: 1, cpu_utilization: 12.5, health: '' })).toEqual({ accepted: true });
    expect(cp.worker('w1')).toMatchObject({ running_tasks: 2, queue_depth: 1, cpu_utilization: 12.5, health: 'healthy', last_heartbeat_ms: clock.now() });
    cp.heartbeat('w1', { health: 'draining' });
    expect(cp.worker('w1')?.health).toBe('draining');
  });

  it('forgetWorkers / restart make heartbeats and polls 404 until the worker registers again', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1' });
    cp.forgetWorkers();
    expect(() => cp.heartbeat('w1')).toThrow('worker not registered');
    expect(() => cp.assignments('w1', 1)).toThrow('worker not registered');
    cp.register({ worker_id: 'w1' });
    expect(cp.heartbeat('w1')).toEqual({ accepted: true });
  });
});

describe('restart', () => {
  it('keeps jobs by default and drops them with keepJobs: false', () => {
    const { cp } = setup();
    const { job_id } = cp.submitJob({ tasks: [{ task_id: 't', type: 'aggregation' }] });
    cp.register({ worker_id: 'w1' });
    cp.restart();
    expect(cp.workers()).toEqual([]);
    expect(cp.getJob(job_id).status).toBe('Queued');
    cp.restart({ keepJobs: false });
    expect(() => cp.getJob(job_id)).toThrow('job not found');
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
  });
});
