/**
 * `splai-worker verify --url URL [--worker-id ID] [--token T]`: can this host
 * work for that control plane? Four checks, in order, each depending on the one
 * before (a failed check skips the rest):
 *
 * 1. reachability: `GET /healthz` answers;
 * 2. auth: a report for a job that does not exist is refused with 404 (so the
 *    token was accepted, report scope included) rather than 401/403;
 * 3. registration: `POST /v1/workers/register` with this host's capabilities;
 * 4. heartbeat: a heartbeat round trip for that worker id.
 *
 * Prints a pass/fail table; exits 0 when every check passed, 1 otherwise, 2 on
 * a usage error. Mirrors the seed's `splaictl verify`.
 */
import { hostname } from 'node:os';
import { hostCapabilities } from '../actors/hostCapabilities.js';
import { ControlPlaneClient } from '../actors/controlPlaneClient.js';
import { isControlPlaneError } from '../actors/ControlPlaneError.js';
import { isConfigError } from '../config/ConfigError.js';
import { loadConfig } from '../config/load.js';
import { redact } from '../runtime/logger.js';
import { flagValue, parseArgs } from './args.js';
import { UsageError } from './UsageError.js';

export const VERIFY_HELP = `Usage: splai-worker verify --url URL [--worker-id ID] [--token T] [--timeout-ms N]

Checks that this host can work for a SPLAI control plane: reachability
(/healthz), authentication, registration and a heartbeat round trip. Prints a
pass/fail table and exits non-zero when a check fails.

  --url URL        control-plane base URL (default SPLAI_CONTROL_PLANE_URL)
  --worker-id ID   worker id to register (default SPLAI_WORKER_ID, else verify-<hostname>)
  --token T        API token (default SPLAI_API_TOKEN)
  --timeout-ms N   timeout of each call (default 5000)

Registering is an upsert: verifying with the id of a running worker re-sends
this host's capabilities for it, which is what that worker sends too.
`;

export interface VerifyIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type CheckResult = { readonly name: string; readonly status: 'PASS' | 'FAIL' | 'SKIP'; readonly detail: string };

export async function runVerifyCommand(argv: readonly string[], io: VerifyIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const env = io.env ?? process.env;
  const { flags, positionals } = parseArgs(argv, ['help']);
  if (flags.has('help')) {
    stdout(VERIFY_HELP);
    return 0;
  }
  const text = (name: string) => flagValue(flags, name);
  let url: string;
  let workerId: string;
  let token: string;
  let timeoutMillis: number;
  let config;
  try {
    for (const name of flags.keys()) if (!['url', 'worker-id', 'token', 'timeout-ms', 'help'].includes(name)) throw new UsageError(`unknown option --${name}`);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    url = text('url') ?? env['SPLAI_CONTROL_PLANE_URL'] ?? '';
    if (url === '') throw new UsageError('--url is required (or set SPLAI_CONTROL_PLANE_URL)');
    workerId = text('worker-id') ?? (env['SPLAI_WORKER_ID'] || `verify-${hostname()}`);
    token = text('token') ?? env['SPLAI_API_TOKEN'] ?? '';
    timeoutMillis = Number(text('timeout-ms') ?? 5000);
    if (!Number.isInteger(timeoutMillis) || timeoutMillis < 1) throw new UsageError('--timeout-ms must be a positive whole number');
    // Validates the URL and gathers the capabilities the worker would advertise from this environment.
    config = loadConfig({ env: { ...env, SPLAI_CONTROL_PLANE_URL: url, SPLAI_WORKER_ID: workerId, SPLAI_API_TOKEN: token } });
  } catch (error) {
    if (error instanceof UsageError || isConfigError(error)) {
      stderr(`splai-worker verify: ${error.message}\n\n${VERIFY_HELP}`);
      return 2;
    }
    throw error;
  }

  const client = new ControlPlaneClient({ baseUrl: config.controlPlaneUrl, token, timeoutMillis });
  const results: CheckResult[] = [];
  const secrets = token === '' ? [] : [token];
  const describe = (error: unknown) => redact(error instanceof Error ? error.message : String(error), secrets);
  const timed = async (call: () => Promise<void>) => {
    const started = performance.now();
    await call();
    return Math.max(1, Math.round(performance.now() - started));
  };
  const steps: { name: string; run: () => Promise<string> }[] = [
    {
      name: 'reachability',
      run: async () => {
        try {
          return `GET /healthz answered in ${await timed(() => client.healthz())} ms`;
        } catch (error) {
          throw new Error(`${describe(error)} (is ${config.controlPlaneUrl} the SPLAI api-gateway, and reachable from here?)`);
        }
      },
    },
    {
      name: 'auth',
      run: async () => {
        try {
          await client.report({
            worker_id: workerId,
            job_id: `splai-verify-probe-${Date.now().toString(36)}`,
            task_id: 'probe',
            lease_id: '',
            idempotency_key: `${workerId}:splai-verify-probe`,
            status: 'Running',
            output_artifact_uri: '',
            error: '',
            duration_millis: 0,
          });
          return 'token accepted';
        } catch (error) {
          if (isControlPlaneError(error) && (error.kind === 'job-gone' || error.kind === 'rejected')) {
            return token === '' ? 'no token needed (the control plane does not require one)' : 'token accepted, report scope included';
          }
          if (isControlPlaneError(error) && error.kind === 'auth') {
            const hint = token === '' ? ' (pass --token or set SPLAI_API_TOKEN)' : ' (check the token and its task:report scope)';
            throw new Error(`${describe(error)}${hint}`);
          }
          throw error;
        }
      },
    },
    {
      name: 'registration',
      run: async () => {
        const body = hostCapabilities(config, []);
        const reply = await client.register(body);
        if (!reply.accepted) throw new Error('register: the control plane did not accept the registration');
        const interval = reply.heartbeat_interval_seconds;
        return `registered ${workerId} (cpu ${body.cpu}, memory ${body.memory}, gpu ${body.gpu}${interval === undefined ? '' : `; heartbeat every ${interval} s`})`;
      },
    },
    {
      name: 'heartbeat',
      run: async () => {
        const millis = await timed(() =>
          client.heartbeat(workerId, { queue_depth: 0, running_tasks: 0, cpu_utilization: 0, memory_utilization: 0, health: 'healthy', timestamp_unix: Math.floor(Date.now() / 1000) }),
        );
        return `round trip ${millis} ms`;
      },
    },
  ];

  let failed = false;
  for (const step of steps) {
    if (failed) {
      results.push({ name: step.name, status: 'SKIP', detail: 'an earlier check failed' });
      continue;
    }
    try {
      results.push({ name: step.name, status: 'PASS', detail: await step.run() });
    } catch (error) {
      failed = true;
      results.push({ name: step.name, status: 'FAIL', detail: describe(error) });
    }
  }
  stdout(`splai-worker verify: ${config.controlPlaneUrl} as ${workerId}\n\n${formatTable(results)}\n`);
  stdout(failed ? `\nFAILED: ${results.find((r) => r.status === 'FAIL')?.name} check did not pass\n` : '\nall checks passed\n');
  return failed ? 1 : 0;
}

/** A fixed-width table: CHECK, RESULT, DETAIL. */
export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const rows = [`${'CHECK'.padEnd(width)}  RESULT  DETAIL`, ...results.map((r) => `${r.name.padEnd(width)}  ${r.status.padEnd(6)}  ${r.detail}`)];
  return rows.join('\n');
}
