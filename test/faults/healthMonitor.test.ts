/**
 * The health a worker announces: degraded for a reason an operator can act on,
 * healthy again when the reason goes away, and one notification per change.
 */
import { describe, expect, it } from 'vitest';
import { HealthMonitor, type MonitoredHealth } from '../../actors/healthMonitor.js';

function monitor(options: { pending?: () => number; sandboxProblem?: string } = {}) {
  let now = 1_000_000;
  const changes: [MonitoredHealth, string][] = [];
  const m = new HealthMonitor({
    pendingReports: options.pending ?? (() => 0),
    sandboxProblem: options.sandboxProblem,
    backlogThreshold: 10,
    reportFailureThreshold: 3,
    taskFailureThreshold: 3,
    windowMillis: 10_000,
    now: () => now,
    onChange: (health, reason) => changes.push([health, reason]),
  });
  return { m, changes, advance: (ms: number) => (now += ms) };
}

describe('health monitor', () => {
  it('is healthy with nothing to report and says so only on change', () => {
    const { m, changes } = monitor();
    expect(m.check()).toEqual({ health: 'healthy', reason: '' });
    expect(changes).toEqual([]);
  });

  it('degrades while the outbox backlog is above the threshold, and recovers', () => {
    let pending = 11;
    const { m, changes } = monitor({ pending: () => pending });
    m.check();
    pending = 25;
    m.check(); // same reason, other number: no new notification
    pending = 0;
    m.check();
    expect(changes).toEqual([
      ['degraded', 'outbox backlog: 11 reports not delivered'],
      ['healthy', ''],
    ]);
  });

  it('degrades on repeated report failures within the window only', () => {
    const { m, changes, advance } = monitor();
    m.noteReportFailure();
    m.noteReportFailure();
    m.check();
    expect(changes).toEqual([]);
    m.noteReportFailure();
    expect(m.check().health).toBe('degraded');
    advance(11_000);
    expect(m.check().health).toBe('healthy');
    expect(changes.map(([h]) => h)).toEqual(['degraded', 'healthy']);
  });

  it('degrades after tasks fail in a row (a backend down) and recovers on a success', () => {
    const { m } = monitor();
    m.noteTask(false, 'ollama: connect ECONNREFUSED');
    m.noteTask(false, 'ollama: connect ECONNREFUSED');
    expect(m.check().health).toBe('healthy');
    m.noteTask(false, 'ollama: connect ECONNREFUSED');
    expect(m.check()).toEqual({ health: 'degraded', reason: '3 tasks failed in a row (last: ollama: connect ECONNREFUSED)' });
    m.noteTask(true);
    expect(m.check().health).toBe('healthy');
  });

  it('an unavailable sandbox is the first reason given', () => {
    const { m } = monitor({ sandboxProblem: 'no isolation available', pending: () => 50 });
    expect(m.check()).toEqual({ health: 'degraded', reason: 'sandbox unavailable: no isolation available' });
  });
});
