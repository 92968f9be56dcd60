/**
 * Kill a child and everything in its process group: SIGTERM first, SIGKILL after
 * a short grace. Children are started detached (their own process group), so the
 * negative pid reaches grandchildren that the command forked, too.
 *
 * Only the group is signalled, never the bare pid: a group whose leader is gone
 * and empty no longer exists, whereas a bare pid may meanwhile belong to an
 * unrelated process. Sandboxed commands that left the group (setsid daemons)
 * are reaped by their PID namespace (see runSandboxed.ts), not here.
 */
export function killProcessTree(pid: number, graceMillis = 500): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (!signal('SIGTERM')) return;
  setTimeout(() => signal('SIGKILL'), graceMillis).unref();
}
