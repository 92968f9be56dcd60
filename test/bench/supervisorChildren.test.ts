/**
 * Regression test for a throughput bug the benchmark's profile found: XState
 * keeps a finished child actor in its parent's snapshot until it is stopped,
 * so a supervisor that never stopped its task actors held every task it ever
 * ran (memory growing forever, and each spawn copying all of them).
 */
import { afterEach, expect, it } from 'vitest';
import { createActor, type Actor } from 'xstate';
import { createSupervisorLogic } from '../../machines/createSupervisorLogic.js';
import { inertEffects, type ExecutionResult } from '../../machines/effects.js';
import type { Assignment } from '../../protocol/schemas.js';

const actors: Actor<ReturnType<typeof createSupervisorLogic>>[] = [];
afterEach(() => {
  for (const a of actors.splice(0)) a.stop();
});

it('finished task actors leave the supervisor snapshot', async () => {
  const total = 300;
  const items: Assignment[] = Array.from({ length: total }, (_, i) => ({ job_id: 'j1', task_id: `t${i}`, type: 'aggregation', inputs: {}, attempt: 1, lease_id: `l${i}` }));
  let finished = 0;
  const logic = createSupervisorLogic({
    ...inertEffects,
    poll: async (max) => items.splice(0, max),
    execute: async (a): Promise<ExecutionResult> => ({ ok: true, uri: `artifact://${a.job_id}/${a.task_id}/output.json`, durationMillis: 0, executorMillis: 0 }),
    report: async (report) => {
      if (report.status === 'Completed') finished++;
      return 'delivered';
    },
  });
  const actor = createActor(logic, { input: { workerId: 'w1', maxParallelTasks: 4, heartbeatMillis: 60_000, pollMillis: 60_000, drainGraceMillis: 1000, drainForceMillis: 1000 } });
  actors.push(actor);
  let maxChildren = 0;
  actor.subscribe((snapshot) => {
    maxChildren = Math.max(maxChildren, Object.keys(snapshot.children).length);
  });
  actor.start();
  const deadline = Date.now() + 10_000;
  while (finished < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  expect(finished).toBe(total);
  const taskChildren = Object.keys(actor.getSnapshot().children).filter((id) => id.startsWith('task:'));
  expect(taskChildren).toEqual([]);
  // heartbeat + poller + at most maxParallelTasks tasks (one more while a slot is handed over).
  expect(maxChildren).toBeLessThanOrEqual(2 + 4 + 1);
});
