/**
 * An outage must be visible in the logs without flooding them: the heartbeat
 * warns at 1, 2, 4, 8 ... consecutive failures (the other beats log at debug).
 */
import { expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type LogEntry } from '../../machines/effects.js';

it('a failing heartbeat warns once per doubling of consecutive failures', async () => {
  const logs: LogEntry[] = [];
  const actor = createActor(
    createSupervisorLogic({
      ...inertEffects,
      register: async () => ({ accepted: true, heartbeat_interval_seconds: 0.005 }),
      heartbeat: async () => Promise.reject(new Error('connect ECONNREFUSED')),
      log: (entry) => logs.push(entry),
    }),
    { input: { workerId: 'w1', maxParallelTasks: 1, heartbeatMillis: 5, pollMillis: 1000, drainGraceMillis: 10, drainForceMillis: 10 } },
  );
  actor.start();
  const deadline = Date.now() + 5000;
  while (logs.filter((l) => l.actor === 'heartbeat').length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  actor.stop();
  const beats = logs.filter((l) => l.actor === 'heartbeat' && l.message.startsWith('heartbeat failed'));
  const warned = beats.filter((l) => l.level === 'warn').map((l) => l.fields?.['consecutive_failures']);
  expect(beats.length).toBeGreaterThanOrEqual(20);
  expect(warned.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
  expect(warned.every((n) => Number.isInteger(Math.log2(Number(n))))).toBe(true);
});
