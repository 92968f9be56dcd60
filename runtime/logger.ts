/**
 * The worker's logger: consola with one reporter that writes either readable
 * lines (TTY) or JSON lines (otherwise, or SPLAI_LOG_FORMAT=json), to stderr.
 * Each line carries the actor tag and the fields given (job/task/attempt for
 * tasks). Every configured secret value is replaced by `[redacted]` in the
 * final text, so a token that slips into a message or an error never lands in
 * a log file.
 */
// consola/core: our own reporters only; the package root also loads its fancy
// reporters and prompts (~2 MB of an idle daemon's memory).
import { createConsola, LogLevels, type ConsolaInstance, type ConsolaReporter, type LogObject } from 'consola/core';
import type { WorkerConfig } from '../config/definitions.js';

export interface LoggerOptions {
  readonly level: WorkerConfig['logLevel'];
  readonly format: WorkerConfig['logFormat'];
  /** Values never to print. */
  readonly secrets?: readonly string[];
  /** Where lines go (default process.stderr). */
  readonly write?: (line: string) => void;
  /** Whether the output is a terminal (decides `auto`). */
  readonly isTTY?: boolean;
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * Log fields of a pool task key `<job>/<task>/<attempt>/<n>`: each line a task
 * thread logs then names its job, task and attempt like the machines' lines do.
 */
export function taskKeyFields(key: string): Record<string, unknown> {
  const parts = key.split('/');
  if (parts.length < 4) return { task: key };
  const attempt = Number(parts[parts.length - 2]);
  return { job_id: parts.slice(0, -3).join('/'), task_id: parts[parts.length - 3], attempt: Number.isFinite(attempt) ? attempt : parts[parts.length - 2] };
}

function splitArgs(logObj: LogObject): { message: string; fields: Record<string, unknown> } {
  const [first, ...rest] = logObj.args;
  const message = first instanceof Error ? first.message : String(first ?? logObj.message ?? '');
  const fields: Record<string, unknown> = {};
  for (const arg of rest) {
    if (arg instanceof Error) fields['error'] = arg.message;
    else if (typeof arg === 'object' && arg !== null) Object.assign(fields, arg);
    else if (arg !== undefined) fields['detail'] = arg;
  }
  return { message, fields };
}

function jsonReporter(write: (line: string) => void, secrets: readonly string[]): ConsolaReporter {
  return {
    log(logObj) {
      const { message, fields } = splitArgs(logObj);
      const line = JSON.stringify({ time: logObj.date.toISOString(), level: logObj.type, actor: logObj.tag || undefined, msg: message, ...fields });
      write(`${redact(line, secrets)}\n`);
    },
  };
}

function prettyReporter(write: (line: string) => void, secrets: readonly string[]): ConsolaReporter {
  return {
    log(logObj) {
      const { message, fields } = splitArgs(logObj);
      const time = logObj.date.toISOString().slice(11, 23);
      const tag = logObj.tag ? ` [${logObj.tag}]` : '';
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${redact(`${time} ${logObj.type.toUpperCase().padEnd(5)}${tag} ${message}${extra ? ` ${extra}` : ''}`, secrets)}\n`);
    },
  };
}

export function createLogger(options: LoggerOptions): ConsolaInstance {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const secrets = options.secrets ?? [];
  const tty = options.isTTY ?? process.stderr.isTTY === true;
  const json = options.format === 'json' || (options.format === 'auto' && !tty);
  return createConsola({
    level: options.level === 'silent' ? LogLevels.silent : LogLevels[options.level],
    reporters: [json ? jsonReporter(write, secrets) : prettyReporter(write, secrets)],
  });
}
