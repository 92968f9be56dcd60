import { afterEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES, WorkerMetrics } from '../../telemetry/metrics.js';
import { eventually, parsePrometheus, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const items = JSON.stringify([{ title: 'a', owner: 'b' }]);

describe('/metrics after running tasks', () => {
  it('counts tasks by type and status, durations, slots, calls and the outbox', async () => {
    harness = await startHarness();
    harness.worker.start();
    const cp = harness.controlPlane.controlPlane;
    const { job_id } = cp.submitJob({
      tasks: [
        { task_id: 'ok-1', type: 'aggregation', inputs: { items_json: items } },
        { task_id: 'ok-2', type: 'aggregation', inputs: { items_json: items } },
        { task_id: 'ok-3', type: 'retrieval', inputs: { query: 'x', documents_json: '[{"id":"d","text":"x"}]' } },
      ],
    });
    // No sources at all: the executor fails it, and with no retries its job fails. A job of its
    // own: the gateway hands out no more tasks of a failed job, and its order within a job is a hash.
    const failing = cp.submitJob({ tasks: [{ task_id: 'bad', type: 'aggregation', inputs: {}, max_retries: 0 }] });
    // Types come from the network: unknown ones share one label value.
    const odd = cp.submitJob({ tasks: [{ task_id: 'odd', type: 'not-a-task-type', inputs: {}, max_retries: 0 }] });
    await cp.waitForJob(job_id, { timeoutMs: 15_000 });
    await cp.waitForJob(failing.job_id, { timeoutMs: 15_000 });
    await cp.waitForJob(odd.job_id, { timeoutMs: 15_000 });
    await eventually(() => harness!.worker.actor.getSnapshot().context.inFlight === 0 && harness!.worker.reporter.pending === 0, 'all tasks settled');

    const scrape = await harness.get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.contentType).toContain('text/plain');
    const samples = parsePrometheus(scrape.text);

    expect(samples.get('worker_tasks_executed_total{type="aggregation"}')).toBe(3);
    expect(samples.get('worker_tasks_executed_total{type="retrieval"}')).toBe(1);
    expect(samples.get('worker_task_failures_total{type="aggregation"}')).toBe(1);
    expect(samples.get('worker_tasks_total{type="aggregation",status="Completed"}')).toBe(2);
    expect(samples.get('worker_tasks_total{type="aggregation",status="Failed"}')).toBe(1);
    expect(samples.get('worker_tasks_total{type="retrieval",status="Completed"}')).toBe(1);
    expect(samples.get('worker_tasks_total{type="other",status="Failed"}')).toBe(1);
    expect(scrape.text).not.toContain('not-a-task-type');
    expect(samples.get('worker_task_duration_ms_count{type="aggregation"}')).toBe(3);
    expect(samples.get('worker_task_duration_seconds_count{type="retrieval",status="Completed"}')).toBe(1);
    expect(samples.get('worker_task_duration_seconds_bucket{le="+Inf",type="retrieval",status="Completed"}')).toBe(1);

    expect(samples.get('worker_tasks_in_flight')).toBe(0);
    expect(samples.get('worker_free_slots')).toBe(2);
    expect(samples.get('worker_max_parallel_tasks')).toBe(2);
    expect(samples.get('worker_report_outbox_depth')).toBe(0);
    expect(samples.get('worker_registrations_total')).toBe(1);
    expect(samples.get('worker_reregistrations_total')).toBe(0);
    expect(samples.get('worker_sandbox_level{level="none"}')).toBe(1);
    expect(samples.get('worker_ready')).toBe(1);
    expect(samples.get('worker_health{health="healthy"}')).toBe(1);
    expect(samples.get('worker_info{version="9.9.9-test",worker_id="ops-worker"}')).toBe(1);
    expect(samples.get('worker_control_plane_requests_total{operation="register",outcome="ok"}')).toBe(1);
    // Running + final report for each of the five tasks.
    expect(samples.get('worker_control_plane_requests_total{operation="report",outcome="ok"}')).toBe(10);
    expect(samples.get('worker_control_plane_requests_total{operation="poll",outcome="ok"}')).toBeGreaterThan(0);
    expect(samples.get('worker_poll_errors_total')).toBe(0);
    expect(samples.get('worker_heartbeat_errors_total')).toBe(0);
    // Default process metrics, on the worker's own registry.
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
    for (const name of METRIC_NAMES) expect(scrape.text).toContain(`# TYPE ${name} `);
  });

  it('counts poll and heartbeat errors and re-registrations', async () => {
    harness = await startHarness();
    harness.worker.start();
    const cp = harness.controlPlane.controlPlane;
    await eventually(() => harness!.worker.actor.getSnapshot().value === 'idle', 'registered');
    cp.faults.set(['assignments', 'heartbeat'], { errorRate: 1, errorStatus: 503, times: 2 });
    await eventually(async () => {
      const samples = parsePrometheus((await harness!.get('/metrics')).text);
      return samples.get('worker_poll_errors_total') === 2 && samples.get('worker_heartbeat_errors_total') === 2;
    }, 'two poll and two heartbeat errors counted');
    cp.forgetWorkers();
    await eventually(async () => parsePrometheus((await harness!.get('/metrics')).text).get('worker_reregistrations_total') === 1, 'a re-registration');
    const samples = parsePrometheus((await harness.get('/metrics')).text);
    expect(samples.get('worker_registrations_total')).toBe(2);
    expect(samples.get('worker_control_plane_requests_total{operation="poll",outcome="transient"}')).toBe(2);
  });

  it('uses a registry of its own: a second worker\'s metrics do not see the first one\'s', async () => {
    harness = await startHarness();
    harness.worker.start();
    await eventually(() => harness!.worker.actor.getSnapshot().value === 'idle', 'registered');
    const bystander = new WorkerMetrics({ processMetrics: false });
    const scraped = parsePrometheus((await harness.get('/metrics')).text);
    expect(scraped.get('worker_control_plane_requests_total{operation="register",outcome="ok"}')).toBe(1);
    expect(await bystander.render()).not.toContain('operation="register"');
  });
});
