import { describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../../base/ControlPlaneError.js';
import { Reporter } from '../../actors/reporter.js';
import type { ReportRequest } from '../../protocol/schemas.js';

const report = (task: string, status: ReportRequest['status']): ReportRequest => ({
  worker_id: 'w', job_id: 'j', task_id: task, lease_id: '', idempotency_key: `w:j:${task}:1${status === 'Running' ? ':running' : ''}`,
  status, output_artifact_uri: '', error: '', duration_millis: 0,
});
const fast = { baseMillis: 1, maxMillis: 5 };

describe('Reporter', () => {
  it('retries a transient failure until delivered and keeps per-task order', async () => {
    const delivered: string[] = [];
    let failures = 3;
    const reporter = new Reporter({
      backoff: fast,
      api: {
        report: async (r) => {
          if (r.status === 'Running' && failures-- > 0) throw new ControlPlaneError('transient', 'report', 'HTTP 503');
          delivered.push(`${r.task_id}:${r.status}`);
        },
      },
    });
    const running = reporter.submit(report('a', 'Running'));
    const completed = reporter.submit(report('a', 'Completed'));
    await expect(running).resolves.toBe('queued');
    await expect(completed).resolves.toBe('queued');
    expect(await reporter.flush(2000)).toBe(0);
    expect(delivered).toEqual(['a:Running', 'a:Completed']);
  });

  it('does not hold one task behind another task', async () => {
    const delivered: string[] = [];
    let blocked = true;
    const reporter = new Reporter({
      backoff: fast,
      api: {
        report: async (r) => {
          if (r.task_id === 'slow' && blocked) throw new ControlPlaneError('transient', 'report', 'down');
          delivered.push(r.task_id);
        },
      },
    });
    void reporter.submit(report('slow', 'Completed'));
    await expect(reporter.submit(report('fast', 'Completed'))).resolves.toBe('delivered');
    expect(delivered).toEqual(['fast']);
    blocked = false;
    expect(await reporter.flush(2000)).toBe(0);
    expect(delivered).toEqual(['fast', 'slow']);
  });

  it('settles for good on stale lease and job gone, and tells why', async () => {
    const settled: string[] = [];
    const reporter = new Reporter({
      api: {
        report: async (r) => {
          throw r.task_id === 'stale' ? new ControlPlaneError('stale-lease', 'report', 'HTTP 400: stale lease for task stale') : new ControlPlaneError('job-gone', 'report', 'HTTP 404: job not found');
        },
      },
      onSettled: (r, outcome) => settled.push(`${r.task_id}:${outcome}`),
    });
    await expect(reporter.submit(report('stale', 'Completed'))).resolves.toBe('stale-lease');
    await expect(reporter.submit(report('gone', 'Completed'))).resolves.toBe('job-gone');
    expect(settled).toEqual(['stale:stale-lease', 'gone:job-gone']);
    expect(reporter.pending).toBe(0);
  });

  it('saves a report before sending it and removes it once settled', async () => {
    const events: string[] = [];
    const reporter = new Reporter({
      api: { report: async (r) => void events.push(`send ${r.status}`) },
      store: { save: async (_id, r) => void events.push(`save ${r.status}`), remove: async () => void events.push('remove') },
    });
    await reporter.submit(report('a', 'Completed'));
    await reporter.flush(1000);
    expect(events).toEqual(['save Completed', 'send Completed', 'remove']);
  });

  it('stops delivering at the first refused token: final reports stay in the store, flush returns at once', async () => {
    let calls = 0;
    const refusals: string[] = [];
    const removed: string[] = [];
    const reporter = new Reporter({
      backoff: fast,
      api: { report: async () => { calls++; throw new ControlPlaneError('auth', 'report', 'HTTP 401: invalid token', 401); } },
      store: { save: async () => undefined, remove: async (id) => void removed.push(id) },
      onRefused: (detail) => refusals.push(detail),
    });
    await expect(reporter.submitDurably(report('a', 'Completed'))).resolves.toBe('queued');
    await new Promise((r) => setTimeout(r, 30));
    expect(refusals).toEqual(['report: HTTP 401: invalid token']);
    // One try, no retries: a refused token does not get better by asking again.
    expect(calls).toBe(1);
    expect(reporter.refused).toBe('report: HTTP 401: invalid token');
    const started = Date.now();
    expect(await reporter.flush(5000)).toBe(1);
    expect(Date.now() - started).toBeLessThan(100);
    // Still in the store, for the next run.
    expect(removed).toEqual([]);
    reporter.close();
  });

  it('drops a Running report the token was refused for, and answers later Running reports "refused" without sending them', async () => {
    let calls = 0;
    const settled: string[] = [];
    const reporter = new Reporter({
      backoff: fast,
      api: { report: async () => { calls++; throw new ControlPlaneError('auth', 'report', 'HTTP 403: tenant action denied', 403); } },
      onSettled: (r, outcome) => settled.push(`${r.task_id}:${r.status}:${outcome}`),
    });
    await expect(reporter.submit(report('a', 'Running'))).resolves.toBe('refused');
    await expect(reporter.submit(report('b', 'Running'))).resolves.toBe('refused');
    expect(calls).toBe(1);
    expect(settled).toEqual(['a:Running:refused', 'b:Running:refused']);
    expect(reporter.pending).toBe(0);
  });

  it('a refusal ends a flush that was waiting for deliveries', async () => {
    let fail = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reporter = new Reporter({
      backoff: fast,
      api: { report: async () => { await gate; if (fail) throw new ControlPlaneError('auth', 'report', 'HTTP 401: invalid token', 401); } },
    });
    await reporter.submitDurably(report('a', 'Completed'));
    const flushed = reporter.flush(5000);
    fail = true;
    release();
    expect(await flushed).toBe(1);
    reporter.close();
  });

  it('submitDurably resolves once the report is saved, before delivery, and still delivers it in order', async () => {
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reporter = new Reporter({
      api: { report: async (r) => { await gate; events.push(`send ${r.status}`); } },
      store: { save: async (_id, r) => void events.push(`save ${r.status}`), remove: async () => undefined },
    });
    const running = reporter.submit(report('a', 'Running'));
    await expect(reporter.submitDurably(report('a', 'Completed'))).resolves.toBe('queued');
    expect(events).toEqual(['save Running', 'save Completed']);
    release();
    await running;
    expect(await reporter.flush(1000)).toBe(0);
    expect(events).toEqual(['save Running', 'save Completed', 'send Running', 'send Completed']);
  });

  it('never has two final reports of one job on the wire at once, while other jobs and Running reports overlap', async () => {
    const inFlight = new Map<string, number>();
    let maxFinalsPerJob = 0;
    let maxInFlight = 0;
    let total = 0;
    const reporter = new Reporter({
      backoff: fast,
      api: {
        report: async (r) => {
          const key = r.status === 'Running' ? `running:${r.job_id}` : r.job_id;
          inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
          total++;
          maxInFlight = Math.max(maxInFlight, total);
          if (r.status !== 'Running') maxFinalsPerJob = Math.max(maxFinalsPerJob, inFlight.get(key)!);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inFlight.set(key, inFlight.get(key)! - 1);
          total--;
        },
      },
    });
    const ofJob = (job: string, task: string, status: ReportRequest['status']) => ({ ...report(task, status), job_id: job });
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
      for (const job of ['j1', 'j2']) {
        outcomes.push(reporter.submit(ofJob(job, `r${i}`, 'Running')));
        outcomes.push(reporter.submit(ofJob(job, `t${i}`, i % 2 === 0 ? 'Completed' : 'Failed')));
      }
    }
    expect(await Promise.all(outcomes)).toEqual(outcomes.map(() => 'delivered'));
    expect(maxFinalsPerJob).toBe(1);
    // Two jobs' finals plus Running reports went out together: the rule does not serialise everything.
    expect(maxInFlight).toBeGreaterThanOrEqual(3);
  });
});
