/**
 * The durable outbox and the in-flight journal on a real file system: what a
 * restart finds, in which order it is delivered, and what a crash mid-write
 * leaves behind.
 */
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../../base/ControlPlaneError.js';
import { Outbox } from '../../actors/outbox.js';
import { Reporter } from '../../actors/reporter.js';
import { entryOfRunning, INTERRUPTED_ERROR, TaskJournal } from '../../actors/taskJournal.js';
import { finalKey, runningKey } from '../../protocol/keys.js';
import type { ReportRequest } from '../../protocol/schemas.js';
import { openDurableState } from '../../runtime/durableState.js';

const dirs: string[] = [];
const reporters: Reporter[] = [];
afterEach(async () => {
  for (const r of reporters.splice(0)) r.close();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'splai-outbox-'));
  dirs.push(dir);
  return dir;
}

function report(task: string, status: ReportRequest['status'], attempt = 1): ReportRequest {
  return {
    worker_id: 'w1',
    job_id: 'job-1',
    task_id: task,
    lease_id: `w1:${task}:${attempt}:1`,
    idempotency_key: status === 'Running' ? runningKey('w1', 'job-1', task, attempt) : finalKey('w1', 'job-1', task, attempt),
    status,
    output_artifact_uri: status === 'Completed' ? `artifact://job-1/${task}/output.json` : '',
    error: status === 'Failed' ? 'boom' : '',
    duration_millis: 3,
  };
}

/** A control plane that is down (every report a transient failure) or up (records what it got). */
function fakeApi(up: boolean) {
  const delivered: ReportRequest[] = [];
  return {
    delivered,
    api: {
      report: async (body: ReportRequest) => {
        if (!up) throw new ControlPlaneError('transient', 'report', 'ECONNREFUSED');
        delivered.push(body);
      },
    },
  };
}

function reporterWith(api: { report: (body: ReportRequest) => Promise<void> }, store: Outbox | ReturnType<typeof openDurableState>['store']) {
  const reporter = new Reporter({ api, store, backoff: { baseMillis: 5, maxMillis: 20 } });
  reporters.push(reporter);
  return reporter;
}

/** A report about 2 KB long. */
const padded = (task: string): ReportRequest => ({ ...report(task, 'Failed'), error: 'x'.repeat(2000) });

/** `rounds` x 100 padded reports saved together, then settled: ~220 KB of log per round. */
async function saveAndSettle(outbox: Outbox, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: 100 }, (_, i) => padded(`t${round}-${i}`));
    const ids = batch.map((r) => outbox.nextId(r));
    await Promise.all(batch.map((r, i) => outbox.save(ids[i]!, r)));
    await Promise.all(ids.map((id) => outbox.remove(id)));
  }
}

describe('outbox', () => {
  it('keeps undelivered reports across a restart and delivers them, per task in order', async () => {
    const dir = await tempDir();
    const down = fakeApi(false);
    const first = reporterWith(down.api, Outbox.open(dir));
    const produced = [report('a', 'Running'), report('b', 'Running'), report('a', 'Completed'), report('b', 'Failed')];
    for (const r of produced) expect(await first.submit(r)).toBe('queued');
    first.close(); // the process dies: nothing was delivered

    const outbox = Outbox.open(dir);
    const { reports } = await outbox.load();
    expect(reports.map((r) => `${r.report.task_id}:${r.report.status}`)).toEqual(['a:Running', 'b:Running', 'a:Completed', 'b:Failed']);

    const up = fakeApi(true);
    const second = reporterWith(up.api, outbox);
    for (const saved of reports) void second.resume(saved.id, saved.report);
    expect(await second.flush(2000)).toBe(0);
    const perTask = (task: string) => up.delivered.filter((r) => r.task_id === task).map((r) => r.status);
    expect(perTask('a')).toEqual(['Running', 'Completed']);
    expect(perTask('b')).toEqual(['Running', 'Failed']);
    await outbox.close();
    expect((await Outbox.open(dir).load()).reports).toEqual([]);
  });

  it('continues its ids after the ones on disk, so a new run sorts after the old one', async () => {
    const dir = await tempDir();
    const old = Outbox.open(dir);
    const oldId = old.nextId(report('a', 'Running'));
    await old.save(oldId, report('a', 'Running'));
    const next = Outbox.open(dir);
    const newId = next.nextId(report('a', 'Failed'));
    expect(newId > oldId).toBe(true);
    await next.save(newId, report('a', 'Failed'));
    expect((await next.load()).reports.map((r) => r.id)).toEqual([oldId, newId]);
  });

  it('moves reports of the file-per-report layout into the log; cleans half-written files, sets aside files that are not reports', async () => {
    const dir = await tempDir();
    // What an earlier version left: one file per report.
    const good = '0000000000000008-Completed';
    await writeFile(join(dir, `${good}.json`), JSON.stringify(report('a', 'Completed')));
    // A crash inside atomicWrite leaves only the temp file, possibly truncated.
    await writeFile(join(dir, '0000000000000009-Completed.json.tmp-0a1b2c3d4e5f'), '{"worker_id":"w1","job_');
    await writeFile(join(dir, '0000000000000010-Completed.json'), 'not json at all');
    await writeFile(join(dir, '0000000000000011-Running.json'), JSON.stringify({ job_id: 'job-1' }));
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.id)).toEqual([good]);
    expect(loaded.partial).toBe(1);
    expect(loaded.corrupt).toEqual(['0000000000000010-Completed.json', '0000000000000011-Running.json']);
    const left = await readdir(dir);
    expect(left.some((name) => name.includes('.tmp-'))).toBe(false);
    expect(left.filter((name) => name.endsWith('.corrupt'))).toHaveLength(2);
    // The good one now lives in the log: its file is gone, and a new run still finds it.
    expect(left).not.toContain(`${good}.json`);
    const again = Outbox.open(dir);
    expect((await again.load()).reports).toEqual([{ id: good, report: report('a', 'Completed') }]);
    expect(again.nextId(report('b', 'Running')) > good).toBe(true);
  });

  it('never delivers a line it cannot read: sets it aside in corrupt.log', async () => {
    const dir = await tempDir();
    const outbox = Outbox.open(dir);
    const [a, b] = [report('a', 'Completed'), report('b', 'Failed')];
    const idA = outbox.nextId(a);
    await outbox.save(idA, a);
    await outbox.close();
    const damaged = '{"op":"put","id":"0000000000000002-Completed","report":{"job_id":"job-1"}}';
    await appendFile(join(dir, 'outbox.log'), `${damaged}\nnot json\n`);
    const next = Outbox.open(dir);
    const idB = next.nextId(b);
    await next.save(idB, b);
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.report.task_id)).toEqual(['a', 'b']);
    expect(loaded.corrupt).toEqual([damaged, 'not json']);
    expect(await readFile(join(dir, 'corrupt.log'), 'utf8')).toBe(`${damaged}\nnot json\n`);
  });

  it('after a crash mid-append, cuts the torn line off so the next run\'s reports stay readable', async () => {
    const dir = await tempDir();
    const first = Outbox.open(dir);
    const a = report('a', 'Completed');
    await first.save(first.nextId(a), a);
    await first.close();
    // kill -9 in the middle of the next append
    await appendFile(join(dir, 'outbox.log'), '{"op":"put","id":"0000000000000002-Completed","report":{"worker_');
    const second = Outbox.open(dir);
    const b = report('b', 'Failed');
    await second.save(second.nextId(b), b);
    await second.close();
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.report.task_id)).toEqual(['a', 'b']);
    expect(loaded.corrupt).toEqual([]);
  });

  it('rewrites a grown log with only the unsettled reports, and a new run finds exactly those', async () => {
    const dir = await tempDir();
    const outbox = Outbox.open(dir);
    await outbox.load(); // a worker reads what an earlier run left before it writes
    const kept = report('kept', 'Completed');
    const keptId = outbox.nextId(kept);
    await outbox.save(keptId, kept);
    // About 4.5 MB of reports saved and settled: past the rewrite threshold (1 MB more than the live reports) several times.
    await saveAndSettle(outbox, 20);
    const last = padded('last');
    await outbox.save(outbox.nextId(last), last); // a durable write after the removals lets the rewrite run
    await outbox.close();
    const { size } = await stat(join(dir, 'outbox.log'));
    expect(size).toBeLessThan(1.5 * 2 ** 20);
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.report.task_id)).toEqual(['kept', 'last']);
    expect(loaded.reports[0]).toEqual({ id: keptId, report: kept });
  });

  it('keeps working on the old log when a rewrite fails: no save fails, nothing is lost', async () => {
    const dir = await tempDir();
    const outbox = Outbox.open(dir);
    await outbox.load();
    // Something occupies the rewrite's temp path: every rewrite fails.
    await mkdir(join(dir, '.outbox.log.compacting', 'occupied'), { recursive: true });
    const kept = report('kept', 'Completed');
    await outbox.save(outbox.nextId(kept), kept);
    await saveAndSettle(outbox, 8);
    const last = padded('last');
    await outbox.save(outbox.nextId(last), last);
    await outbox.close();
    expect((await stat(join(dir, 'outbox.log'))).size).toBeGreaterThan(1.5 * 2 ** 20);
    await rm(join(dir, '.outbox.log.compacting'), { recursive: true });
    expect((await Outbox.open(dir).load()).reports.map((r) => r.report.task_id)).toEqual(['kept', 'last']);
  });

  it('when the disk refuses a write, the saves that resolved are all there after a restart, and nothing half-written', async () => {
    const dir = await tempDir();
    const outboxModule = new URL('../../actors/outbox.ts', import.meta.url).href;
    // A real process whose file size limit (4 KiB) stops the log mid-line, as a full disk would.
    const script = `
      process.on('SIGXFSZ', () => {});
      const { Outbox } = await import(${JSON.stringify(outboxModule)});
      const outbox = Outbox.open(${JSON.stringify(dir)});
      const saved = [];
      for (let i = 0; i < 40; i++) {
        const report = { worker_id: 'w1', job_id: 'job-1', task_id: 't' + i, lease_id: 'l', idempotency_key: 'k' + i, status: 'Completed', output_artifact_uri: '', error: 'e'.repeat(i * 13), duration_millis: 1 };
        try { await outbox.save(outbox.nextId(report), report); saved.push(report.task_id); } catch (error) { console.log(JSON.stringify({ saved, error: error.code ?? error.message })); process.exit(0); }
      }
      console.log(JSON.stringify({ saved, error: 'none' }));`;
    const child = spawnSync('/bin/sh', ['-c', 'ulimit -S -f 8 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { saved: string[]; error: string };
    expect(result.error).toBe('EFBIG');
    expect(result.saved.length).toBeGreaterThan(0);
    expect((await stat(join(dir, 'outbox.log'))).size).toBe(4096); // it stopped in the middle of a line
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.report.task_id)).toEqual(result.saved);
    expect(loaded.corrupt).toEqual([]);
  });

  it('ignores a rewrite that a crash interrupted', async () => {
    const dir = await tempDir();
    const outbox = Outbox.open(dir);
    const a = report('a', 'Completed');
    await outbox.save(outbox.nextId(a), a);
    await outbox.close();
    await writeFile(join(dir, '.outbox.log.compacting'), '{"op":"put","id":"0000000000000009-Failed","report":');
    const loaded = await Outbox.open(dir).load();
    expect(loaded.reports.map((r) => r.report.task_id)).toEqual(['a']);
    expect(await readdir(dir)).toEqual(['outbox.log']);
  });

  it('refuses ids that could name another path', async () => {
    const outbox = Outbox.open(await tempDir());
    await expect(outbox.save('../escape', report('a', 'Running'))).rejects.toThrow(/invalid outbox id/);
  });
});

describe('in-flight journal', () => {
  it('holds a task from its Running report until its final report is saved', async () => {
    const dir = await tempDir();
    const state = openDurableState(dir);
    const down = fakeApi(false);
    const reporter = reporterWith(down.api, state.store);
    await reporter.submit(report('a', 'Running'));
    await reporter.submit(report('b', 'Running'));
    expect((await state.journal.load()).map((e) => e.task_id).sort()).toEqual(['a', 'b']);
    await reporter.submit(report('a', 'Completed'));
    await state.journal.flush(); // the removal is queued, not awaited, by the save
    const left = await state.journal.load();
    expect(left.map((e) => ({ task: e.task_id, attempt: e.attempt, key: e.idempotency_key }))).toEqual([
      { task: 'b', attempt: 1, key: finalKey('w1', 'job-1', 'b', 1) },
    ]);
  });

  it('forgets a task whose Running report the control plane refused for good', async () => {
    const state = openDurableState(await tempDir());
    const refused = new Reporter({
      api: { report: async () => Promise.reject(new ControlPlaneError('stale-lease', 'report', 'HTTP 400: stale lease for task a', 400)) },
      store: state.store,
      onSettled: (r, outcome) => state.settled(r, outcome),
    });
    reporters.push(refused);
    expect(await refused.submit(report('a', 'Running'))).toBe('stale-lease');
    await new Promise((r) => setTimeout(r, 20));
    expect(await state.journal.load()).toEqual([]);
  });

  it('after a crash: resumes the final reports of the outbox, then reports each interrupted task Failed', async () => {
    const dir = await tempDir();
    const before = openDurableState(dir);
    const down = fakeApi(false);
    const first = reporterWith(down.api, before.store);
    await first.submit(report('done', 'Running'));
    await first.submit(report('done', 'Completed'));
    await first.submit(report('cut', 'Running'));
    first.close(); // kill -9 while "cut" runs

    const after = openDurableState(dir);
    const up = fakeApi(true);
    const second = reporterWith(up.api, after.store);
    const summary = await after.recover(second);
    // Only the final report of "done" was durable; the undelivered Running reports died with the run.
    expect(summary).toEqual({ resumed: 1, interrupted: 1, corrupt: 0 });
    expect(await after.journal.load()).toEqual([]);
    expect(await second.flush(2000)).toBe(0);
    const seen = up.delivered.map((r) => `${r.task_id}:${r.status}`);
    expect(seen.filter((s) => s.startsWith('done:'))).toEqual(['done:Completed']);
    expect(seen.filter((s) => s.startsWith('cut:'))).toEqual(['cut:Failed']);
    const failed = up.delivered.find((r) => r.task_id === 'cut' && r.status === 'Failed')!;
    expect(failed.error).toBe(INTERRUPTED_ERROR);
    // Same key as the final report the task would have sent: a duplicate if that one got out.
    expect(failed.idempotency_key).toBe(finalKey('w1', 'job-1', 'cut', 1));
    expect(failed.lease_id).toBe('w1:cut:1:1');
    expect((await Outbox.open(join(dir, 'outbox')).load()).reports).toEqual([]);
  });

  it('knows whether a worker ran with this state dir before, and when it stopped', async () => {
    const dir = await tempDir();
    const first = openDurableState(dir);
    expect(first.previousRun).toBe(false);
    const crashed = openDurableState(dir); // the first one never said it stopped: a crash
    expect(crashed.previousRun).toBe(true);
    expect(crashed.previousStoppedAt).toBeUndefined();
    crashed.markStopped();
    const next = openDurableState(dir);
    expect(next.previousRun).toBe(true);
    expect(next.previousStoppedAt).toBeGreaterThan(0);
  });

  it('ignores a line torn by a crash and lines it cannot read', async () => {
    const dir = await tempDir();
    const journal = TaskJournal.open(dir);
    const entry = entryOfRunning(report('kept', 'Running'));
    await journal.add(entry);
    await journal.close();
    await appendFile(join(dir, 'journal.log'), '{"op":"del","key":"nonsense"}\n{"broken":\n{"op":"add","key":"x","entry":{"worker_id":');
    expect(await TaskJournal.open(dir).load()).toEqual([entry]);
  });

  it('rewrites a grown log with only the tasks still in flight', async () => {
    const dir = await tempDir();
    const journal = TaskJournal.open(dir);
    await journal.load();
    const running = entryOfRunning(report('still-running', 'Running'));
    await journal.add(running);
    for (let round = 0; round < 60; round++) {
      const batch = Array.from({ length: 100 }, (_, i) => entryOfRunning(report(`t${round}-${i}`, 'Running')));
      await Promise.all(batch.map((e) => journal.add(e)));
      await Promise.all(batch.map((e) => journal.remove(e)));
    }
    await journal.add(entryOfRunning(report('last', 'Running')));
    await journal.close();
    expect((await stat(join(dir, 'journal.log'))).size).toBeLessThan(1.5 * 2 ** 20);
    expect((await TaskJournal.open(dir).load()).map((e) => e.task_id)).toEqual(['still-running', 'last']);
  });

  it('keeps the entries of tasks that start together, and their removals, across a reopen', async () => {
    const dir = await tempDir();
    const journal = TaskJournal.open(dir);
    const entries = ['a', 'b', 'c', 'd'].map((t) => entryOfRunning(report(t, 'Running')));
    await Promise.all(entries.map((e) => journal.add(e)));
    await journal.remove(entries[1]!);
    await journal.close();
    const reopened = await TaskJournal.open(dir).load();
    expect(reopened.map((e) => e.task_id).sort()).toEqual(['a', 'c', 'd']);
    expect((await readFile(join(dir, 'journal.log'), 'utf8')).trim().split('\n')).toHaveLength(5);
  });
});
