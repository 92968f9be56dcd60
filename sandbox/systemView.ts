/**
 * What of the host filesystem a sandboxed command sees, shared by the bwrap and
 * unshare levels: /usr read-only, the top-level program directories (symlinks
 * into /usr on merged-/usr systems, read-only binds otherwise) and a handful of
 * /etc files that programs need to start. Nothing else of /etc is shown: it may
 * hold the worker's config, credentials or /etc/shadow.
 */
import { lstatSync, readlinkSync } from 'node:fs';

/** Top-level program directories. */
const TOP_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

/**
 * /etc entries needed to run ordinary commands: the dynamic loader's cache,
 * Debian's alternatives (e.g. /usr/bin/awk -> /etc/alternatives/awk), user and
 * group names, time zone. No resolv.conf or hosts: there is no network anyway.
 */
const ETC_ENTRIES = ['alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'passwd', 'group', 'nsswitch.conf', 'localtime', 'timezone', 'mime.types'] as const;

export type TopDir = { readonly name: string; readonly symlink: string } | { readonly name: string; readonly bind: string };

/** How each top-level program directory exists on this host. */
export function topDirs(): TopDir[] {
  const dirs: TopDir[] = [];
  for (const name of TOP_DIRS) {
    try {
      const stat = lstatSync(`/${name}`);
      if (stat.isSymbolicLink()) dirs.push({ name, symlink: readlinkSync(`/${name}`) });
      else if (stat.isDirectory()) dirs.push({ name, bind: `/${name}` });
    } catch {
      // not on this host
    }
  }
  return dirs;
}

/** The /etc entries that exist on this host, as absolute paths. */
export function etcEntries(): string[] {
  const entries: string[] = [];
  for (const name of ETC_ENTRIES) {
    try {
      lstatSync(`/etc/${name}`);
      entries.push(`/etc/${name}`);
    } catch {
      // not on this host
    }
  }
  return entries;
}

/** The environment of every command: nothing of the worker's. */
export function commandEnv(workDir: string): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: workDir, TMPDIR: workDir, LANG: 'C.UTF-8' };
}
