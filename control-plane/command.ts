/**
 * `splai-worker control-plane`: serve the development control plane over HTTP
 * until SIGINT/SIGTERM. Wired into cli/main.ts by the CLI.
 */
import { parseArgs } from 'node:util';
import type { TokenSpec } from './auth.js';
import { startControlPlaneServer, type ControlPlaneServerOptions } from './httpServer.js';

export const controlPlaneHelp = `Usage: splai-worker control-plane [options]

Serve an in-memory SPLAI development control plane (gateway + scheduler) over HTTP.
Workers register, heartbeat, poll and report as against the real gateway; submit a
job as an explicit task DAG with POST /v1/jobs and watch it with GET /v1/jobs/{id}.

It follows the real gateway's rules (best worker only, capacity from cpu, leases
that expire only when a worker polls, max_retries 0 unless a task sets it, ...):
see docs/testing.md.

Options:
  --port N               port to listen on (default 8080; 0 picks a free one)
  --host H               interface to listen on (default 127.0.0.1)
  --token T              an API token with the operator scope; repeatable. As on
                         the gateway, only reports and the job endpoints check it
  --lease-seconds S      task lease duration (default 15)
  --heartbeat-seconds S  heartbeat interval told to workers (default 5)
  --max-retries N        max_retries of tasks that give none (default 0)
  --model M              the model every task gets (default llama3-8b-q4)
  --stale-refs keep|drop keep (default, the gateway) or drop stale queue references
  -h, --help             show this help

Example:
  splai-worker control-plane --port 8080 &
  curl -s -X POST localhost:8080/v1/jobs -d '{"tasks":[{"task_id":"t1","type":"aggregation"}]}'
`;

/** Where the command writes, and what stops it (tests pass their own). */
export interface CommandIo {
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Stops serving when aborted, like SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
  /** Called once listening, with the base URL. */
  readonly onListening?: (url: string) => void;
}

function positiveNumber(flag: string, text: string | undefined, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${text}"`);
  }
  return value;
}

/**
 * Runs the command; resolves with the exit code (0 after a signal, 2 on bad
 * arguments, 1 when the server cannot listen).
 */
export async function runControlPlaneCommand(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  let options: ControlPlaneServerOptions & { port: number; host: string; tokens: TokenSpec[] };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string', multiple: true },
        'lease-seconds': { type: 'string' },
        'heartbeat-seconds': { type: 'string' },
        'max-retries': { type: 'string' },
        model: { type: 'string' },
        'stale-refs': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out(controlPlaneHelp);
      return 0;
    }
    const port = positiveNumber('port', values.port, 8080, true);
    if (!Number.isInteger(port) || port > 65_535) throw new Error(`--port must be an integer 0-65535, got "${values.port}"`);
    const maxRetries = positiveNumber('max-retries', values['max-retries'], 0, true);
    if (!Number.isInteger(maxRetries)) throw new Error(`--max-retries must be a whole number, got "${values['max-retries']}"`);
    const staleRefs = values['stale-refs'] ?? 'keep';
    if (staleRefs !== 'keep' && staleRefs !== 'drop') throw new Error(`--stale-refs must be keep or drop, got "${staleRefs}"`);
    if (values.model !== undefined && values.model.trim() === '') throw new Error('--model must not be empty');
    options = {
      port,
      host: values.host ?? '127.0.0.1',
      tokens: values.token ?? [],
      leaseMs: positiveNumber('lease-seconds', values['lease-seconds'], 15) * 1000,
      heartbeatIntervalSeconds: positiveNumber('heartbeat-seconds', values['heartbeat-seconds'], 5),
      defaultMaxRetries: maxRetries,
      staleRefs,
      ...(values.model === undefined ? {} : { defaultModel: values.model }),
    };
  } catch (error) {
    err(`splai-worker control-plane: ${error instanceof Error ? error.message : String(error)}`);
    err('Run "splai-worker control-plane --help" for usage.');
    return 2;
  }

  let server;
  try {
    server = await startControlPlaneServer(options);
  } catch (error) {
    err(`splai-worker control-plane: cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  // Listen for signals before announcing the URL: Node installs a signal handler
  // only once a listener exists, and a signal in between would kill the process.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  out(`SPLAI development control plane listening on ${server.url}`);
  out(`  workers: SPLAI_CONTROL_PLANE_URL=${server.url}${options.tokens.length > 0 ? ' (token required)' : ''}`);
  out(`  submit a job: POST ${server.url}/v1/jobs`);
  io.onListening?.(server.url);
  await stopped;
  out('control plane stopping');
  await server.close();
  return 0;
}
