/**
 * An aggregation of two tool_execution outputs gives the same result as the
 * reference worker would for the same inputs: the details this worker adds to a
 * tool output (isolation level, exit code, duration, truncation) must not turn
 * into highlights or conflicts, yet stay in the output for users.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';
import { resolveConfig } from '../../config/index.js';
import { execute as aggregate } from '../../executors/aggregation.js';
import { reduceSources } from '../../executors/aggregationReduce.js';
import { execute as runTool, SANDBOX_DETAILS_KEY } from '../../executors/toolExecution.js';
import type { ExecutorContext } from '../../executors/types.js';
import type { SandboxResult } from '../../sandbox/runSandboxed.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The fields of a tool_execution output document in the reference worker. */
const REFERENCE_FIELDS = ['job_id', 'task_id', 'type', 'created_at', 'tool', 'sandboxed', 'stdout', 'stderr', 'result'];

function context(root: string, taskId: string, type: string, inputs: Record<string, string>, sandboxed?: Partial<SandboxResult>): ExecutorContext {
  const config = resolveConfig({ artifactRoot: root, sandbox: 'none' });
  const result: SandboxResult = {
    level: 'none',
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 1,
    timedOut: false,
    aborted: false,
    processLimitHit: false,
    memoryLimitHit: false,
    leftovers: 0,
    ...sandboxed,
  };
  return {
    assignment: { job_id: 'job-agg', task_id: taskId, type, inputs, attempt: 0, lease_id: '' },
    config,
    signal: new AbortController().signal,
    artifacts: new LocalArtifactStore(root),
    log: () => undefined,
    isDraining: () => false,
    trackChild: () => undefined,
    // The sandbox's answer, scripted: the test is about what the output makes of it.
    runSandboxed: async () => result,
  };
}

/** Run one tool task and store its document with the thread entry's envelope. */
async function toolArtifact(root: string, taskId: string, command: string, sandboxed: Partial<SandboxResult>) {
  const ctx = context(root, taskId, 'tool_execution', { op: 'shell', command }, sandboxed);
  const document = { job_id: 'job-agg', task_id: taskId, type: 'tool_execution', created_at: '2026-01-01T12:00:00Z', ...(await runTool(ctx)) };
  const uri = await ctx.artifacts.write('job-agg', taskId, document);
  return { uri, document };
}

describe('aggregation of tool_execution outputs', () => {
  it('gives the reference result although the two outputs differ in their sandbox details', async () => {
    const root = await mkdtemp(join(tmpdir(), 'splai-agg-tools-'));
    dirs.push(root);
    const a = await toolArtifact(root, 'probe-a', 'echo ok', { level: 'bwrap', stdout: 'disk ok\n', durationMs: 12, stdoutTruncated: false });
    const b = await toolArtifact(root, 'probe-b', 'echo ok', { level: 'unshare', stdout: 'disk ok\n', stderr: 'warning: slow\n', durationMs: 4031, stdoutTruncated: true, stderrTruncated: true });

    const output = await aggregate(context(root, 'report', 'aggregation', { 'dep:probe-a:output_uri': a.uri, 'dep:probe-b:output_uri': b.uri }));

    // What the reference computes from its own tool outputs (same inputs, only its fields).
    const referencePayload = (document: Record<string, unknown>) => Object.fromEntries(REFERENCE_FIELDS.map((key) => [key, document[key]]));
    const reference = reduceSources([
      { source_task_id: 'probe-a', artifact_uri: a.uri, payload: referencePayload(a.document) },
      { source_task_id: 'probe-b', artifact_uri: b.uri, payload: referencePayload(b.document) },
    ]);
    expect(output['result']).toEqual(reference.result);
    expect(output['provenance']).toEqual(reference.provenance);
    const result = output['result'] as { highlights: string[]; conflicts: Record<string, unknown> };
    expect(result.highlights).not.toContain('bwrap');
    expect(result.highlights).not.toContain('unshare');
    expect(Object.keys(result.conflicts).sort()).toEqual(['stderr', 'task_id']);

    // The details are still there for whoever reads the sources.
    const sources = output['sources'] as { payload: Record<string, unknown> }[];
    expect(sources.map((source) => source.payload[SANDBOX_DETAILS_KEY])).toEqual([
      { level: 'bwrap', exit_code: 0, duration_ms: 12, stdout_truncated: false, stderr_truncated: false },
      { level: 'unshare', exit_code: 0, duration_ms: 4031, stdout_truncated: true, stderr_truncated: true },
    ]);
  });

  it('has exactly the reference fields at the top of a tool output, and the details under _sandbox', async () => {
    const root = await mkdtemp(join(tmpdir(), 'splai-agg-tools-'));
    dirs.push(root);
    const { document } = await toolArtifact(root, 'probe', 'echo hi', { level: 'bwrap', stdout: 'hi\n', durationMs: 7 });
    expect(Object.keys(document).filter((key) => !key.startsWith('_')).sort()).toEqual([...REFERENCE_FIELDS].sort());
    expect(document).toMatchObject({ tool: 'shell', sandboxed: true, stdout: 'hi\n', stderr: '', result: 'ok', _sandbox: { level: 'bwrap', exit_code: 0, duration_ms: 7 } });
  });
});
