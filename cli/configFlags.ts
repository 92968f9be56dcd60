/**
 * Turn parsed flags into configuration sources, and describe every setting for
 * `--help`. Every setting has a flag named after its key (`--max-parallel-tasks`)
 * next to its environment variable (`SPLAI_MAX_PARALLEL_TASKS`).
 */
import { definitions, type ConfigKey } from '../config/definitions.js';
import { ConfigError } from '../config/ConfigError.js';
import { flagName, keyOfFlag } from '../config/load.js';

/** Flags that are not settings, per command. */
export type OwnFlags = readonly string[];

export function configFlags(flags: Map<string, string | true>, own: OwnFlags): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const [name, value] of flags) {
    if (own.includes(name)) continue;
    const key = keyOfFlag(name);
    if (key === undefined) throw new ConfigError(`unknown option --${name} (see --help)`);
    if (value === true) throw new ConfigError(`option --${name} needs a value (${definitions[key].env})`);
    out[key] = value;
  }
  return out;
}

/** The settings table of `--help`. */
export function settingsHelp(): string {
  const groups = new Map<string, string[]>();
  for (const [key, d] of Object.entries(definitions) as [ConfigKey, (typeof definitions)[ConfigKey]][]) {
    const line = `  --${flagName(key).padEnd(26)} ${d.env.padEnd(30)} ${d.default === '' ? '' : `[${d.default}] `}${d.doc}`;
    const list = groups.get(d.group) ?? [];
    list.push(line);
    groups.set(d.group, list);
  }
  return [...groups].map(([group, lines]) => `Settings (${group}):\n${lines.join('\n')}`).join('\n\n');
}
