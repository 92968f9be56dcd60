/**
 * The inspector hub against the real machines (fake effects): what it keeps
 * without a page, what a page gets when it connects, and that it does no
 * per-event work while nobody is looking.
 */
import { assign, createActor, setup, waitFor } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createInspection } from '../../inspector/createInspection.js';
import { InspectorHub } from '../../inspector/hub.js';
import type { InspectorMessage } from '../../inspector/messages.js';
import { mountBuiltinInspector } from '../../inspector/mountBuiltin.js';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type WorkerEffects } from '../../machines/effects.js';
import { startWorkerHttpServer } from '../../runtime/httpServer.js';
import { openSse } from './sse.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(hub: InspectorHub) {
  const server = await startWorkerHttpServer('127.0.0.1:0');
  cleanups.push(() => server.close());
  cleanups.push(async () => hub.close());
  return mountBuiltinInspector(server, hub);
}

const input = { workerId: 'w', maxParallelTasks: 4, heartbeatMillis: 60_000, pollMillis: 20, drainGraceMillis: 1000, drainForceMillis: 1000 };
const assignment = (n: number, type = 'aggregation') => ({ job_id: 'j', task_id: `t${n}`, type, inputs: {}, attempt: 1, lease_id: `l${n}` });

describe('InspectorHub', () => {
  it('keeps the supervisor history and a bounded task timeline without any page open, and hands both to a page that connects', async () => {
    let polls = 0;
    const effects: WorkerEffects = {
      ...inertEffects,
      poll: async () => (++polls === 1 ? [assignment(1), assignment(2), assignment(3, 'broken')] : []),
      execute: async (a) => (a.type === 'broken' ? { ok: false, error: 'no such thing', durationMillis: 3, executorMillis: 1 } : { ok: true, uri: 'artifact://x', durationMillis: 5, executorMillis: 2 }),
    };
    const hub = new InspectorHub({ timelineLimit: 2 });
    const actor = createActor(createSupervisorLogic(effects), { input, inspect: hub.inspect });
    cleanups.push(async () => actor.stop());
    actor.start();
    await waitFor(actor, (s) => s.context.completed + s.context.failed === 3 && s.value === 'idle', { timeout: 5000 });
    expect(hub.viewers).toBe(0);

    const stream = await openSse(`${await serve(hub)}/events`);
    cleanups.push(async () => stream.close());
    await stream.until((m) => m.length > 0);
    const init = stream.messages[0] as Extract<InspectorMessage, { kind: 'init' }>;
    expect(init.kind).toBe('init');
    expect(init.supervisorHistory.map((h) => h.state)).toEqual(['registering', 'idle', 'busy', 'idle']);
    // Bounded: the oldest task fell out; the others have their final status, the failure its error.
    expect(init.tasks.map((t) => [t.taskId, t.status, t.error])).toEqual([
      ['t2', 'Completed', undefined],
      ['t3', 'Failed', 'no such thing'],
    ]);
    expect(init.tasks.every((t) => t.runningAt !== undefined && t.doneAt !== undefined && t.executionMillis !== undefined)).toBe(true);
    // Finished task actors left the tree; the family that is still running is there.
    expect(init.actors.map((a) => a.id).sort()).toEqual(['heartbeat', 'poller', 'supervisor']);
    expect(init.actors.find((a) => a.id === 'supervisor')).toMatchObject({ state: 'idle', active: ['supervisor.idle'], machine: 'supervisor' });
    expect(Object.keys(init.charts).sort()).toEqual(['heartbeat', 'poller', 'registration', 'supervisor', 'task']);

    // Live from now on: a drain shows up as history and as actor updates.
    actor.send({ type: 'shutdown' });
    await stream.until((m) => (m as InspectorMessage[]).some((x) => x.kind === 'supervisor' && x.entry.state === 'stopped'));
    expect((stream.messages as InspectorMessage[]).some((x) => x.kind === 'event' && x.type === 'shutdown' && x.target === 'supervisor')).toBe(true);
  });

  it('does no per-event work while no page is connected: contexts are not even read', async () => {
    let reads = 0;
    const probe = {
      get value() {
        reads++;
        return 1;
      },
    };
    const machine = setup({ types: { context: {} as { probe: typeof probe; n: number }, events: {} as { type: 'tick' } } }).createMachine({
      id: 'probe',
      context: { probe, n: 0 },
      on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    const hub = new InspectorHub();
    const actor = createActor(machine, { inspect: hub.inspect }).start();
    cleanups.push(async () => actor.stop());
    for (let i = 0; i < 100; i++) actor.send({ type: 'tick' });
    expect(reads).toBe(0);

    const stream = await openSse(`${await serve(hub)}/events`);
    cleanups.push(async () => stream.close());
    await stream.until((m) => m.length > 0);
    expect(reads).toBe(1); // the page's first picture
    actor.send({ type: 'tick' });
    await stream.until((m) => (m as InspectorMessage[]).some((x) => x.kind === 'actor' && (x.actor.context as { n?: number }).n === 101));
    expect(reads).toBe(2);
  });

  it('refuses requests not addressed to a loopback name (DNS rebinding)', async () => {
    const url = await serve(new InspectorHub());
    const { port } = new URL(url);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/inspect', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('createInspection', () => {
  it('is nothing at all when off: no observer to pass, no route', () => {
    for (const setting of ['off', '0', 'false']) {
      const inspection = createInspection({ setting, secrets: [] });
      expect(inspection.mode).toBe('off');
      expect(inspection.inspect).toBeUndefined();
      expect(inspection.mount({ url: 'http://127.0.0.1:1', port: 1, route: () => expect.unreachable(), close: async () => undefined })).toBeUndefined();
    }
    expect(createInspection({ setting: '1', secrets: [] }).mode).toBe('builtin');
    expect(createInspection({ setting: 'true', secrets: [] }).mode).toBe('builtin');
    expect(createInspection({ setting: 'stately', secrets: [] }).mode).toBe('stately');
  });
});
