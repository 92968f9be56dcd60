/**
 * Heartbeat lateness from the control plane's view. The heartbeat machine beats,
 * waits for the reply, then waits the interval: beat n+1 is due one interval
 * after beat n. Lateness is how much later than that it arrived (the reply's
 * own round trip, well under a millisecond on loopback, is included).
 */
export function heartbeatLateness(arrivalsMs: readonly number[], intervalMs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < arrivalsMs.length; i++) out.push(arrivalsMs[i]! - arrivalsMs[i - 1]! - intervalMs);
  return out;
}
