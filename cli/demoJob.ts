/**
 * The demo job: a small DAG over the task types this worker runs without any
 * model server, ending in an aggregation that reads every other task's artifact.
 */
import type { JobSubmission } from '../control-plane/wire.js';

export function demoJob(options: { withSandbox: boolean }): JobSubmission {
  const documents = [
    { id: 'leases', text: 'Workers keep task leases alive by sending heartbeats every few seconds.', metadata: { tenant: 'demo' } },
    { id: 'reports', text: 'A worker reports Running, then Completed or Failed, with an idempotency key.', metadata: { tenant: 'demo' } },
    { id: 'sandbox', text: 'Commands run in a sandbox without network access and with resource limits.', metadata: { tenant: 'demo' } },
    { id: 'other', text: 'Bananas are rich in potassium.', metadata: { tenant: 'someone-else' } },
  ];
  const tasks: JobSubmission['tasks'] = [
    {
      task_id: 'find-docs',
      type: 'retrieval',
      inputs: { query: 'how do workers keep leases alive', documents_json: JSON.stringify(documents), top_k: '2', tenant: 'demo' },
    },
    {
      task_id: 'embed-notes',
      type: 'embedding',
      inputs: { texts_json: JSON.stringify(['SPLAI schedules tasks', 'workers run them in sandboxes']), embedding_dimension: '64' },
    },
  ];
  if (options.withSandbox) {
    tasks.push({ task_id: 'run-tool', type: 'tool_execution', inputs: { op: 'shell', command: 'echo "hello from the sandbox: $(uname -s), uid $(id -u)"' } });
  }
  tasks.push({
    task_id: 'summarise',
    type: 'aggregation',
    depends_on: tasks.map((t) => t.task_id),
    inputs: {
      items_json: JSON.stringify([{ title: 'SPLAI worker demo', owner: 'splai-worker' }]),
      required_fields: 'title,backend',
    },
  });
  return { job_id: `demo-${Date.now().toString(36)}`, tasks };
}
