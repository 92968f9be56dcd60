/**
 * Kill a child and everything in its process group: SIGTERM first, SIGKILL after
 * a short grace. Children are started detached (their own process group), so the
 * negative pid reaches grandchildren that the command forked, too.
 */
export function killProcessTree(pid: number, graceMillis = 500): void {
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      try {
        process.kill(pid, sig);
        return true;
      } catch {
        return false; // already gone
      }
    }
  };
  if (!signal('SIGTERM')) return;
  setTimeout(() => signal('SIGKILL'), graceMillis).unref();
}
