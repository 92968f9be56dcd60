/**
 * `splai-worker demo`: the newcomer's first command. Starts the development
 * control plane on a free loopback port and a worker against it (over real
 * HTTP), submits a demo job with dependencies, prints each report as it arrives
 * and a summary of every artifact, and exits 0 when the job completed.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlaneServer } from '../control-plane/httpServer.js';
import { createInspection } from '../inspector/createInspection.js';
import { startWorkerHttpServer } from '../runtime/httpServer.js';
import { createLogger } from '../runtime/logger.js';
import { createWorker } from '../runtime/createWorker.js';
import { detectSandboxLevel } from '../sandbox/detectSandboxLevel.js';
import { parseArgs } from './args.js';
import { demoJob } from './demoJob.js';

const HELP = `Usage: splai-worker demo [--keep] [--inspect[=stately]] [--port N] [--artifact-root DIR] [--log-level LEVEL]

Starts a development control plane on 127.0.0.1 and a worker against it,
submits a demo job (retrieval, embedding, a sandboxed command when a sandbox
is available, and an aggregation that depends on them), prints progress and
results, and exits 0 when the job completed.

  --keep               keep the control plane and the worker running afterwards
  --inspect            serve the state inspector (offline page) and print its URL;
                       the job starts once the page is open (or after 60 s), and
                       the demo keeps running afterwards (implies --keep)
  --inspect=stately    the same through the hosted Stately inspector (needs internet)
  --port N             control-plane port (default: a free one)
  --artifact-root DIR  where outputs go (default: a new temp dir)
  --log-level LEVEL    worker log level (default warn)
`;

export async function runDemoCommand(argv: readonly string[]): Promise<number> {
  const { flags } = parseArgs(argv, ['help', 'keep']);
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  const port = Number(flags.get('port') ?? 0);
  const artifactRoot = typeof flags.get('artifact-root') === 'string' ? String(flags.get('artifact-root')) : await mkdtemp(join(tmpdir(), 'splai-demo-'));
  const logLevel = typeof flags.get('log-level') === 'string' ? String(flags.get('log-level')) : 'warn';

  const server = await startControlPlaneServer({ port, host: '127.0.0.1' });
  out(`control plane  ${server.url}`);
  const sandbox = detectSandboxLevel('auto');
  out(`sandbox        ${sandbox.summary}`);
  out(`artifacts      ${artifactRoot}`);

  const logger = createLogger({ level: logLevel as 'warn', format: 'auto' });
  const inspectFlag = flags.get('inspect');
  // The demo worker has no secrets; nothing to redact beyond the usual key names.
  const inspection = createInspection({ setting: inspectFlag === true ? 'builtin' : (inspectFlag ?? 'off'), secrets: [] });
  const inspectorHttp = inspection.mode === 'off' ? undefined : await startWorkerHttpServer('127.0.0.1:0');
  const inspectorUrl = inspectorHttp === undefined ? undefined : inspection.mount(inspectorHttp);
  if (inspectorUrl !== undefined) out(`inspector      ${inspectorUrl}`);
  const worker = createWorker({
    config: { controlPlaneUrl: server.url, workerId: 'demo-worker', artifactRoot, maxParallelTasks: 2, pollMillis: 250, httpAddr: 'off' },
    logger,
    // As the daemon runs it (cli/runCommand.ts).
    controlPlaneThread: true,
    ...(inspection.inspect === undefined ? {} : { inspect: inspection.inspect }),
  });
  const started = performance.now();
  const elapsed = () => `+${((performance.now() - started) / 1000).toFixed(2)}s`.padStart(7);
  let lastState = '';
  worker.actor.subscribe((snapshot) => {
    const state = typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value).join('');
    if (state !== lastState) out(`${elapsed()}  worker      ${(lastState = state)}`);
  });
  server.controlPlane.onReport((report, outcome) => {
    if (outcome !== 'accepted') return;
    const detail = report.status === 'Failed' ? `  ${report.error}` : report.output_artifact_uri ? `  ${report.output_artifact_uri}` : '';
    out(`${elapsed()}  ${String(report.task_id).padEnd(11)} ${report.status}${detail}`);
  });
  worker.start();

  if (inspectorUrl !== undefined) {
    // Give the newcomer time to open the page: the actors only move while the job runs.
    out(`open ${inspectorUrl} to watch; the job starts when the page is open`);
    await Promise.race([inspection.waitForViewer(), new Promise((resolve) => setTimeout(resolve, 60_000).unref())]);
  }
  const job = demoJob({ withSandbox: sandbox.refusal === undefined });
  server.controlPlane.submitJob(job);
  out(`${elapsed()}  submitted   job ${job.job_id} with ${job.tasks.length} tasks`);
  const final = await server.controlPlane.waitForJob(job.job_id!, { timeoutMs: 60_000 }).catch((error: unknown) => {
    out(`job did not finish: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });

  if (final !== undefined) {
    out(`${elapsed()}  job         ${final.status}${final.error ? `: ${final.error}` : ''}`);
    out('');
    for (const task of server.controlPlane.tasks(job.job_id!)) {
      out(`${task.task_id} (${task.type}): ${task.status}`);
      if (task.status === 'Completed') out(`  ${await summarise(artifactRoot, job.job_id!, task.task_id)}`);
    }
  }

  if (flags.has('keep') || inspectorUrl !== undefined) {
    // Listen before saying so: Node installs a signal handler only once a listener
    // exists, and a Ctrl-C that lands in between would kill the process outright.
    const interrupted = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    out(`\nstill serving at ${server.url}${inspectorUrl === undefined ? '' : ` (inspector ${inspectorUrl})`}; Ctrl-C to stop`);
    await interrupted;
  }
  await worker.stop();
  inspection.close();
  await inspectorHttp?.close();
  await server.close();
  return final?.status === 'Completed' ? 0 : 1;
}

/** One line about an artifact, so the newcomer sees real outputs. */
async function summarise(root: string, jobId: string, taskId: string): Promise<string> {
  const doc = JSON.parse(await readFile(join(root, jobId, taskId, 'output.json'), 'utf8')) as Record<string, unknown>;
  switch (doc['type']) {
    case 'retrieval': {
      const hits = (doc['documents'] as { id: string; score: number }[] | undefined) ?? [];
      return `top hits: ${hits.map((h) => `${h.id} (${h.score.toFixed(3)})`).join(', ')}`;
    }
    case 'embedding':
      return `${String(doc['text_count'])} vectors of dimension ${String(doc['dimension'])} (${String(doc['model_version'])})`;
    case 'tool_execution':
      return `stdout: ${String(doc['stdout']).trim()} [sandbox ${String((doc['_sandbox'] as { level?: string } | undefined)?.level)}]`;
    case 'aggregation': {
      const result = doc['result'] as { merged_fields?: Record<string, unknown> } | undefined;
      return `${String(doc['source_count'])} sources merged; fields: ${Object.keys(result?.merged_fields ?? {}).join(', ')}`;
    }
    default:
      return JSON.stringify(doc).slice(0, 160);
  }
}
