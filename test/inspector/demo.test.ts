/**
 * `splai-worker demo --inspect` (a real child process): prints the inspector's
 * URL, starts the demo job once a page is open, shows it on the page's stream,
 * and keeps running until interrupted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectorMessage } from '../../inspector/messages.js';
import { spawnCli } from '../helpers/cli.js';
import { openSse } from './sse.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('splai-worker demo --inspect', () => {
  it('prints the page URL, runs the job once the page is open, and keeps serving', async () => {
    const cli = spawnCli(['demo', '--inspect']);
    cleanups.push(async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
    });
    await cli.waitFor(/inspector\s+http:\/\/127\.0\.0\.1:\d+\/inspect/);
    const url = /inspector\s+(http:\/\/127\.0\.0\.1:\d+\/inspect)/.exec(cli.stdout())![1]!;
    await cli.waitFor(/the job starts when the page is open/);
    expect(cli.stdout()).not.toContain('submitted');

    const stream = await openSse(`${url}/events`);
    cleanups.push(async () => stream.close());
    await cli.waitFor(/job\s+Completed/, 30_000);
    await stream.until((messages) => (messages as InspectorMessage[]).some((m) => m.kind === 'task' && m.task.taskId === 'summarise' && m.task.status === 'Completed'));
    const states = (stream.messages as InspectorMessage[]).flatMap((m) => (m.kind === 'supervisor' ? [m.entry.state] : m.kind === 'init' ? m.supervisorHistory.map((h) => h.state) : []));
    expect(states).toEqual(expect.arrayContaining(['registering', 'idle', 'busy']));
    await cli.waitFor(/still serving at .*inspector http/);

    cli.child.kill('SIGINT');
    expect(await cli.exited, `${cli.stdout().slice(-400)}\n${cli.stderr().slice(-1500)}`).toBe(0);
  }, 60_000);
});
