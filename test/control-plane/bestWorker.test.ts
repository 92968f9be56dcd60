/**
 * Best worker only (score.ts; the gateway's bestWorkerForTask and computeWorkerScore).
 */
import { describe, expect, it } from 'vitest';
import { fnv1a32, workerTieHash } from '../../control-plane/fnv.js';
import { bestWorker, score } from '../../control-plane/score.js';
import type { TaskRecord, WorkerRecord } from '../../control-plane/types.js';
import { recordHeartbeat, workerFromRegister } from '../../control-plane/workers.js';
import type { RegisterBody } from '../../control-plane/wire.js';
import { flat, ids, setup } from './helpers.js';

const worker = (body: RegisterBody & { worker_id: string }, load: { cpu_utilization?: number; queue_depth?: number; running_tasks?: number; health?: string } = {}): WorkerRecord => {
  const w = workerFromRegister(body.worker_id, body, 0);
  recordHeartbeat(w, load, 0);
  return w;
};
const task = (type: string, inputs: Record<string, string> = {}, jobId = 'j', taskId = 't'): TaskRecord => ({ jobId, taskId, type, inputs }) as unknown as TaskRecord;

/** Who gets a single task of `job`, when each worker in `pollers` polls in turn (many times). */
function takers(cp: ReturnType<typeof setup>['cp'], jobId: string, pollers: string[], rounds = 20): string[] {
  const got: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const p of pollers) for (const a of cp.assignments(p, 8).assignments ?? []) if (a.job_id === jobId) got.push(p);
  }
  return got;
}

describe('rule: best worker only: the poller gets a task only when it is the best-scored eligible worker', () => {
  it('a tool_execution task waits for the worker with bash, however often another worker polls', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'plain' });
    cp.register({ worker_id: 'shell', tools: ['BASH'] });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'tool_execution' }] });
    expect(takers(cp, 'j', ['plain'])).toEqual([]);
    expect(takers(cp, 'j', ['shell'])).toEqual(['shell']);
  });
});

describe('rule: workers are never aged out: a worker silent for a day still wins its tasks', () => {
  it('the live worker never gets the task the dead one scores best for', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'dead', tools: ['bash'] });
    cp.register({ worker_id: 'live' });
    clock.advance(24 * 3600_000);
    cp.heartbeat('live');
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'tool_execution' }] });
    expect(takers(cp, 'j', ['live'])).toEqual([]);
    expect(cp.workers().map((w) => w.worker_id)).toEqual(['dead', 'live']);
  });
});

describe('rule: when no worker is eligible, any poller gets the task', () => {
  it('_requires_gpu with no gpu worker, or _target_worker naming nobody registered', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'a' });
    cp.register({ worker_id: 'b' });
    cp.submitJob({ job_id: 'gpu', tasks: [{ task_id: 't', type: 'x', resources: { gpu: true } }] });
    cp.submitJob({ job_id: 'target', tasks: [{ task_id: 't', type: 'x', inputs: { _target_worker: 'nobody' } }] });
    expect(cp.assignments('a', 8).assignments?.map((x) => x.job_id).sort()).toEqual(['gpu', 'target']);
  });
});

describe('rule: hard filter: _target_worker', () => {
  it('only the named worker may take it, even if another scores better', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'named' });
    cp.register({ worker_id: 'better', tools: ['bash'] });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'tool_execution', inputs: { _target_worker: ' named ' } }] });
    expect(takers(cp, 'j', ['better'])).toEqual([]);
    expect(takers(cp, 'j', ['named'])).toEqual(['named']);
  });
});

describe('rule: hard filter: health unhealthy (any case); draining, degraded and the rest count as healthy', () => {
  it.each([
    ['UnHealthy', 'plain'],
    ['draining', 'shell'],
    ['degraded', 'shell'],
  ])('shell reports %s: %s gets the bash task', (health, expected) => {
    const { cp } = setup();
    cp.register({ worker_id: 'plain' });
    cp.register({ worker_id: 'shell', tools: ['bash'] });
    cp.heartbeat('shell', { health });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'tool_execution' }] });
    expect(takers(cp, 'j', ['plain', 'shell'])).toEqual([expected]);
  });
});

describe('rule: hard filter: _requires_gpu excludes workers without a gpu', () => {
  it('the gpu worker gets it even with a worse score', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'cpu-only', tools: ['bash'] });
    cp.register({ worker_id: 'gpu', gpu: true });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'tool_execution', inputs: { _requires_gpu: 'yes' } }] });
    expect(takers(cp, 'j', ['cpu-only'])).toEqual([]);
    expect(takers(cp, 'j', ['gpu'])).toEqual(['gpu']);
  });
});

describe('rule: hard filter: an llm_inference backend, once any worker has a backend inventory', () => {
  it.each([
    ['(ollama, injected)', {}, 'tool-ollama'],
    ['" VLLM "', { backend: ' VLLM ' }, 'vllm'],
    ['remote-api, which nobody supports: nobody is eligible, so anyone', { backend: 'remote-api' }, 'bare'],
  ])('backend %s goes to %s (backends or tools named like a backend; normalised on both sides)', (_name, inputs, expected) => {
    const { cp } = setup();
    cp.register({ worker_id: 'tool-ollama', tools: ['Ollama'] });
    cp.register({ worker_id: 'vllm', backends: ['vLLM'] });
    cp.register({ worker_id: 'bare' });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'llm_inference', inputs }] });
    const others = ['tool-ollama', 'vllm', 'bare'].filter((w) => w !== expected);
    if (expected !== 'bare') expect(takers(cp, 'j', others)).toEqual([]);
    expect(takers(cp, 'j', [expected])).toEqual([expected]);
  });

  it('without any backend inventory the filter is off; other task types never filter', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'a' });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'llm_inference', inputs: { backend: 'vllm' } }] });
    expect(takers(cp, 'j', ['a'])).toEqual(['a']);
    const other = setup().cp;
    other.register({ worker_id: 'ollama-only', backends: ['ollama'] });
    other.register({ worker_id: 'b' });
    other.submitJob({ job_id: 'e', tasks: [{ task_id: 't', type: 'embedding', inputs: { backend: 'vllm' } }] });
    expect(takers(other, 'e', ['ollama-only', 'b'])).toHaveLength(1);
  });
});

describe("rule: hard filter: an llm_inference model, once any worker lists models", () => {
  it('the worker without the model never gets it; model names compare case-insensitively', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'has', models: [' LLAMA3-8B-Q4 '] });
    cp.register({ worker_id: 'lacks', models: ['other'] });
    cp.register({ worker_id: 'none' });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'llm_inference' }] }); // model llama3-8b-q4 is injected
    expect(takers(cp, 'j', ['lacks', 'none'])).toEqual([]);
    expect(takers(cp, 'j', ['has'])).toEqual(['has']);
  });
});

describe('rule: the score: capability, warm model, locality, load and utilization', () => {
  it('capability: +1 llm_inference, +1 tool_execution with bash, +0.8 embedding, 0 otherwise', () => {
    const plain = worker({ worker_id: 'p' });
    const shell = worker({ worker_id: 's', tools: ['Bash'] });
    expect(score(plain, task('llm_inference'))).toBe(1);
    expect(score(plain, task('tool_execution'))).toBe(0);
    expect(score(shell, task('tool_execution'))).toBe(1);
    expect(score(plain, task('embedding'))).toBeCloseTo(0.8, 12);
    expect(score(shell, task('aggregation'))).toBe(0);
  });

  it('+1.5 when the worker lists the task model, +1 when _data_locality equals its locality', () => {
    const w = worker({ worker_id: 'w', models: ['m'], locality: 'eu' });
    expect(score(w, task('aggregation', { model: 'M' }))).toBe(1.5);
    expect(score(w, task('aggregation', { _data_locality: 'eu' }))).toBe(1);
    expect(score(w, task('aggregation', { _data_locality: 'EU' }))).toBe(0); // locality is compared exactly
  });

  it('-0.15 per queued or running task of the last heartbeat, -(cpu + memory utilization) / 100', () => {
    const w = worker({ worker_id: 'w' }, { queue_depth: 2, running_tasks: 1, cpu_utilization: 30 });
    expect(score(w, task('aggregation'))).toBeCloseTo(-0.45 - 0.3, 12);
  });

  it('an idle worker wins over a loaded one, an embedding goes to the worker holding its model', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'busy' });
    cp.register({ worker_id: 'idle' });
    cp.heartbeat('busy', { queue_depth: 1 });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
    expect(takers(cp, 'j', ['busy'])).toEqual([]);
    expect(takers(cp, 'j', ['idle'])).toEqual(['idle']);
    cp.register({ worker_id: 'warm', models: ['llama3-8b-q4'] });
    cp.submitJob({ job_id: 'e', tasks: [{ task_id: 't', type: 'embedding' }] });
    expect(takers(cp, 'e', ['idle'])).toEqual([]);
    expect(takers(cp, 'e', ['warm'])).toEqual(['warm']);
  });
});

describe("rule: ties: exact ties follow Go's random walk over the workers, near ties the FNV hash of <job>|<task>|<worker>", () => {
  // An independent FNV-1a 32 over UTF-8, to check the control plane's.
  const fnv = (text: string) => {
    let h = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h;
  };

  it('FNV-1a 32 of the exact byte string <job>|<task>|<worker>', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('é|ü')).toBe(fnv('é|ü'));
    expect(workerTieHash('job-1', 't1', 'w')).toBe(fnv('job-1|t1|w'));
  });

  it('of two identical workers, the one registered first gets a tied task about 1 time in 8 (as measured on the gateway)', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'first' });
    cp.register({ worker_id: 'second' });
    const firstPollWins = (poller: string) => {
      let wins = 0;
      for (let j = 0; j < 400; j++) {
        const jobId = `${poller}-${j}`;
        cp.submitJob({ job_id: jobId, tasks: flat(1) });
        if (cp.assignments(poller, 1).assignments?.length === 1) wins++;
        // Clear the task away before the next job: both workers poll until one takes it.
        for (let i = 0; i < 100 && cp.task(jobId, 't0').status === 'Queued'; i++) cp.assignments(i % 2 === 0 ? 'first' : 'second', 1);
        expect(cp.task(jobId, 't0').status).toBe('Assigned');
      }
      return wins / 400;
    };
    const first = firstPollWins('first');
    const second = firstPollWins('second');
    expect(first).toBeGreaterThan(0.06);
    expect(first).toBeLessThan(0.2);
    expect(second).toBeGreaterThan(0.8);
    expect(second).toBeLessThan(0.94);
  });

  it('a worker walked later with a score lower by less than 0.0001 wins only with a higher hash', () => {
    const a = worker({ worker_id: 'a' });
    const b = worker({ worker_id: 'b' }, { cpu_utilization: 0.005 }); // score -0.00005
    const t = task('aggregation', {}, 'job-9', 'x');
    const startAt = (slot: number) => () => slot / 8;
    const higherHash = fnv('job-9|x|b') > fnv('job-9|x|a') ? 'b' : 'a';
    // Walk a then b: b is within 0.0001 below a, the hash decides.
    expect(bestWorker([a, b], t, startAt(0))).toBe(higherHash);
    // Walk b then a: a is strictly higher.
    expect(bestWorker([a, b], t, startAt(1))).toBe('a');
  });

  it('0.0001 apart or more is no tie: the better score wins in any walk order', () => {
    const a = worker({ worker_id: 'a' });
    const b = worker({ worker_id: 'b' }, { cpu_utilization: 0.02 }); // score -0.0002
    for (let slot = 0; slot < 8; slot++) expect(bestWorker([a, b], task('x', {}, 'j', String(slot)), () => slot / 8)).toBe('a');
  });

  it('a single registered worker always takes what it polls', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'solo' });
    cp.submitJob({ tasks: flat(5) });
    cp.register({ worker_id: 'second' });
    cp.forgetWorkers();
    cp.register({ worker_id: 'solo' });
    expect(ids(cp.assignments('solo', 5))).toHaveLength(5);
  });
});
