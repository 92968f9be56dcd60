/**
 * `splai-worker verify --url URL [--worker-id ID] [--token T]`: can this host
 * work for that control plane? Four checks, in order, each depending on the one
 * before (a failed check skips the rest):
 *
 * 1. reachability: `GET /healthz` answers;
 * 2. token: `GET /v1/metrics`, the one read-only gateway endpoint that reads a
 *    token without a job. It tells a missing or unknown token (401) from a
 *    known one. Whether a known token may report (`task:report`, or a scope for
 *    each job's tenant) cannot be seen before a real report: the gateway checks
 *    tokens on reports alone, and answers a report for an unknown job 404
 *    before it looks at the token. Then the result is WARN, and says so;
 * 3. registration: `POST /v1/workers/register` of a probe, `<worker id>-verify`,
 *    with this host's capabilities. Never the worker id itself: registering
 *    replaces the whole record, and a running worker with that id would lose
 *    its models, tools and load until it registered again;
 * 4. heartbeat: a heartbeat round trip for the probe, saying `unhealthy`. The
 *    gateway never forgets a worker; marked unhealthy, the probe is never
 *    handed work. Verify never polls: a poll could lease tasks to the probe.
 *
 * Prints a table; exits 0 when no check failed (WARN included), 1 otherwise,
 * 2 on a usage error. Mirrors the seed's `splaictl verify`.
 */
import { hostname } from 'node:os';
import { detectGpu, hostCapabilities } from '../actors/hostCapabilities.js';
import { gatewayCapacity } from '../protocol/capacity.js';
import { ControlPlaneClient } from '../actors/controlPlaneClient.js';
import { isConfigError } from '../config/ConfigError.js';
import { loadConfig } from '../config/load.js';
import { redact } from '../runtime/logger.js';
import { flagValue, parseArgs } from './args.js';
import { UsageError } from './UsageError.js';

export const VERIFY_HELP = `Usage: splai-worker verify --url URL [--worker-id ID] [--token T] [--timeout-ms N]

Checks that this host can work for a SPLAI control plane: reachability
(/healthz), the token, registration and a heartbeat round trip. Prints a table
and exits non-zero when a check fails.

  --url URL        control-plane base URL (default SPLAI_CONTROL_PLANE_URL)
  --worker-id ID   the worker's id (default SPLAI_WORKER_ID, else <hostname>);
                   verify registers a probe <ID>-verify, never ID itself
  --token T        API token (default SPLAI_API_TOKEN)
  --timeout-ms N   timeout of each call (default 5000)

What it cannot check: whether the token may report. The gateway reads tokens on
reports alone, so a token it knows but that lacks task:report (or the job's
tenant scope) shows at the worker's first report (the worker then stops, keeps
its reports, and exits naming SPLAI_API_TOKEN). The probe stays in the
gateway's worker list, marked unhealthy: the gateway never forgets a worker.
`;

export interface VerifyIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** WARN: passed as far as it could be checked; the detail says what is left unchecked. */
export type CheckResult = { readonly name: string; readonly status: 'PASS' | 'WARN' | 'FAIL' | 'SKIP'; readonly detail: string };

/** A check that passed with a caveat: WARN, not PASS. */
class Caveat {
  constructor(readonly detail: string) {}
}

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
    workerId = text('worker-id') ?? (env['SPLAI_WORKER_ID'] || hostname());
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
  const probeId = `${workerId}-verify`;
  const results: CheckResult[] = [];
  const secrets = token === '' ? [] : [token];
  const describe = (error: unknown) => redact(error instanceof Error ? error.message : String(error), secrets);
  const timed = async (call: () => Promise<void>) => {
    const started = performance.now();
    await call();
    return Math.max(1, Math.round(performance.now() - started));
  };
  const steps: { name: string; run: () => Promise<string | Caveat> }[] = [
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
      name: 'token',
      run: async () => {
        const reply = await client.probeToken();
        if (reply.status === 200) {
          return token === '' ? 'the control plane checks no tokens' : 'token known, with the metrics or operator scope (an operator token may report for every tenant)';
        }
        if (reply.status === 401) {
          const hint = token === '' ? ' (pass --token or set SPLAI_API_TOKEN)' : ' (the gateway does not know this token: check SPLAI_API_TOKEN against its SPLAI_API_TOKENS)';
          throw new Error(`GET /v1/metrics: HTTP 401: ${reply.error}${hint}`);
        }
        if (reply.status === 403) {
          return new Caveat('token known to the gateway; whether it may report (task:report, or the tenant of each job) shows only at the first report: the gateway checks tokens on reports alone');
        }
        return new Caveat(`cannot check the token here (GET /v1/metrics answered HTTP ${reply.status}); it shows at the first report`);
      },
    },
    {
      name: 'registration',
      run: async () => {
        const body = { ...hostCapabilities(config, []), worker_id: probeId };
        const reply = await client.register(body);
        if (!reply.accepted) throw new Error('register: the control plane did not accept the registration');
        const interval = reply.heartbeat_interval_seconds;
        const capacity = gatewayCapacity(body.cpu, detectGpu(config.gpu));
        return `registered the probe ${probeId}, not ${workerId} (cpu ${body.cpu}: the gateway allows ${capacity} tasks at once; memory ${body.memory}, gpu ${body.gpu}${interval === undefined ? '' : `; heartbeat every ${interval} s`})`;
      },
    },
    {
      name: 'heartbeat',
      run: async () => {
        const millis = await timed(() =>
          client.heartbeat(probeId, { queue_depth: 0, running_tasks: 0, cpu_utilization: 0, memory_utilization: 0, health: 'unhealthy', timestamp_unix: Math.floor(Date.now() / 1000) }),
        );
        return `round trip ${millis} ms; the probe is marked unhealthy, so it is never handed work`;
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
      const outcome = await step.run();
      results.push(outcome instanceof Caveat ? { name: step.name, status: 'WARN', detail: outcome.detail } : { name: step.name, status: 'PASS', detail: outcome });
    } catch (error) {
      failed = true;
      results.push({ name: step.name, status: 'FAIL', detail: describe(error) });
    }
  }
  stdout(`splai-worker verify: ${config.controlPlaneUrl} as ${workerId}\n\n${formatTable(results)}\n`);
  const warned = results.filter((r) => r.status === 'WARN').map((r) => r.name);
  stdout(
    failed
      ? `\nFAILED: ${results.find((r) => r.status === 'FAIL')?.name} check did not pass\n`
      : warned.length > 0
        ? `\nno check failed; not fully checked: ${warned.join(', ')}\n`
        : '\nall checks passed\n',
  );
  return failed ? 1 : 0;
}

/** A fixed-width table: CHECK, RESULT, DETAIL. */
export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const rows = [`${'CHECK'.padEnd(width)}  RESULT  DETAIL`, ...results.map((r) => `${r.name.padEnd(width)}  ${r.status.padEnd(6)}  ${r.detail}`)];
  return rows.join('\n');
}
