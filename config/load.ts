/**
 * Load the worker configuration. Precedence: flags > environment > config file >
 * defaults. Every value is validated; the first bad one stops the load with a
 * ConfigError naming the variable and the expected form (the reference silently
 * fell back to defaults, which hides typos on production hosts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { ConfigError } from './ConfigError.js';
import { definitions, type ConfigKey, type WorkerConfig } from './definitions.js';

export interface ConfigSources {
  /** Command-line values by key, e.g. `{ workerId: 'w1' }` (see flagName). */
  readonly flags?: Partial<Record<ConfigKey, string>>;
  /** Environment; defaults to none (pass `process.env` explicitly). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file whose keys are setting keys or variable names. */
  readonly file?: string;
}

const keys = Object.keys(definitions) as ConfigKey[];

/** `maxParallelTasks` -> `max-parallel-tasks` (used as `--max-parallel-tasks`). */
export function flagName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Find the key of a flag name (`max-parallel-tasks`), if it is one. */
export function keyOfFlag(flag: string): ConfigKey | undefined {
  return keys.find((key) => flagName(key) === flag);
}

export function loadConfig(sources: ConfigSources = {}): WorkerConfig {
  const file = sources.file === undefined ? {} : readConfigFile(sources.file);
  const raw: Partial<Record<ConfigKey, { text: string; origin: string }>> = {};
  for (const key of keys) {
    const d = definitions[key];
    const flag = sources.flags?.[key];
    const env = sources.env?.[d.env];
    const fromFile = file[key];
    if (flag !== undefined) raw[key] = { text: flag, origin: `--${flagName(key)}` };
    else if (env !== undefined && env !== '') raw[key] = { text: env, origin: d.env };
    else if (fromFile !== undefined) raw[key] = { text: fromFile, origin: `${d.env} (config file key "${key}")` };
    else raw[key] = { text: d.default, origin: `${d.env} (default)` };
  }
  const config = {} as Record<ConfigKey, unknown>;
  for (const key of keys) {
    const entry = raw[key]!;
    config[key] = parseValue(key, entry.text, entry.origin);
  }
  return finish(config as WorkerConfig);
}

/**
 * Build a configuration from typed values (the library entry): missing keys take
 * their defaults; each given value is validated as if it had been set as text.
 */
export function resolveConfig(values: Partial<WorkerConfig> = {}): WorkerConfig {
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const [key, value] of Object.entries(values) as [ConfigKey, unknown][]) {
    if (value !== undefined) flags[key] = toText(value);
  }
  return loadConfig({ flags });
}

function parseValue(key: ConfigKey, text: string, origin: string): unknown {
  const d = definitions[key];
  const result = v.safeParse(d.kind as v.GenericSchema<string, unknown>, text);
  if (result.success) return result.output;
  const shown = d.secret ? '[redacted]' : JSON.stringify(text);
  throw new ConfigError(`invalid ${origin}: ${result.issues[0]?.message ?? 'invalid value'}, got ${shown}`);
}

function finish(config: WorkerConfig): WorkerConfig {
  if (config.workerId === '') throw new ConfigError('invalid SPLAI_WORKER_ID: expected a non-empty id');
  if (config.controlPlaneUrl === '') throw new ConfigError('invalid SPLAI_CONTROL_PLANE_URL: expected an http:// or https:// URL');
  if (config.artifactBackend === 'minio' && config.minioEndpoint === '') {
    throw new ConfigError('invalid SPLAI_MINIO_ENDPOINT: required when SPLAI_ARTIFACT_BACKEND=minio (host:port or URL)');
  }
  if (config.modelCacheDir === '') config.modelCacheDir = join(config.artifactRoot, 'models');
  if (config.stateDir === '') config.stateDir = join(config.artifactRoot, '.state', config.workerId.replace(/[^A-Za-z0-9._-]/g, '_'));
  return config;
}

function readConfigFile(path: string): Partial<Record<ConfigKey, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of settings`);
  }
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const key = keys.find((k) => k === name || definitions[k].env === name);
    if (key === undefined) throw new ConfigError(`config file ${path}: unknown setting "${name}"`);
    out[key] = toText(value);
  }
  return out;
}

function toText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** Every secret value of a configuration, for redaction of logs and inspector events. */
export function secretValues(config: WorkerConfig): string[] {
  return keys.filter((key) => definitions[key].secret && config[key] !== '').map((key) => String(config[key]));
}

/** A copy safe to print: secrets replaced by `[redacted]`. */
export function redactConfig(config: WorkerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = definitions[key].secret && config[key] !== '' ? '[redacted]' : config[key];
  return out;
}
