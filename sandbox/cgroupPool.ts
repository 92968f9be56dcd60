/**
 * A thread's command cgroups, reused from one command to the next instead of
 * made and removed for each: creating a memory group costs ~0.3-0.7 ms of the
 * thread's time on cgroup v1, and its removal has to wait until the host's
 * init reaps bwrap's orphaned namespace init (see CommandCgroups.livePids).
 *
 * A group is handed out again only when it lists no process at all, zombies
 * included, so a command never shares its groups (or its pids.max budget) with
 * anything of an earlier one, and only with the same parents and limits. Its
 * event counters, which cannot be reset, are read when it is handed out, and
 * its events are counted from there (CommandCgroups.restart).
 */
import { randomBytes } from 'node:crypto';
import { CommandCgroups, GROUP_PREFIX, groupOwner, type CgroupSupport } from './cgroups.js';

/** How many idle groups a thread keeps; more than one because a group stays busy until its zombie is reaped. */
const DEFAULT_CAPACITY = 4;

export class CgroupPool {
  /** Groups whose command has ended, oldest first; some may still list a zombie. */
  private readonly idle: CommandCgroups[] = [];

  /**
   * @param active this thread's group names in use, pooled or removing; the
   *   stale-group sweep leaves them alone (see sweepStaleCgroups).
   */
  constructor(
    private readonly active: Set<string>,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** Groups for one command: an idle empty one with the same key, else new ones; undefined without cgroups. */
  acquire(support: CgroupSupport, limits: { maxProcesses: number; memoryMb: number }): CommandCgroups | undefined {
    const key = CommandCgroups.keyOf(support, limits);
    // Oldest first: the likeliest to have had its zombie reaped.
    const index = this.idle.findIndex((group) => group.key === key && group.isEmpty());
    const reused = index < 0 ? undefined : this.idle.splice(index, 1)[0];
    if (reused !== undefined) {
      reused.restart();
      return reused;
    }
    const name = `${GROUP_PREFIX}${groupOwner()}-${randomBytes(6).toString('hex')}`;
    this.active.add(name);
    try {
      const group = CommandCgroups.create(support, name, limits);
      if (group === undefined) this.active.delete(name);
      return group;
    } catch (error) {
      this.active.delete(name);
      throw error;
    }
  }

  /**
   * Give the groups back once their command's call is over. `reusable` is false
   * when processes could not be killed: such groups are only ever removed. A
   * full pool lets its oldest group go.
   */
  release(group: CommandCgroups, reusable: boolean): void {
    if (!reusable) return this.remove(group);
    this.idle.push(group);
    const evicted = this.idle.length > this.capacity ? this.idle.shift() : undefined;
    if (evicted !== undefined) this.remove(evicted);
  }

  /**
   * Remove the idle groups now (synchronously: for process 'exit'); a group
   * that still holds a zombie stays, for the next worker's sweep.
   */
  removeIdle(): void {
    for (const group of this.idle.splice(0)) if (group.remove()) this.active.delete(group.name);
  }

  /** Remove the groups off the caller's path; the name stays active until then, so the sweep leaves it to this. */
  private remove(group: CommandCgroups): void {
    void group.removeEventually().finally(() => this.active.delete(group.name));
  }
}
