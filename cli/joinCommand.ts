/**
 * `splai-worker join --url URL [--worker-id ID] [--token T] [--env-file PATH] [--install]`:
 * make this host a worker of a control plane in one line. Writes the settings to
 * an environment file (mode 0600 when it holds a token, so only root reads it),
 * then prints the systemd unit, or with `--install` writes it and enables the
 * service. Mirrors the seed's `splaictl worker join`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { flagValue, parseArgs } from './args.js';
import { PACKAGED_UNIT, systemdUnit } from './systemdUnit.js';

export const JOIN_HELP = `Usage: splai-worker join --url URL [--worker-id ID] [--token T] [--env-file PATH] [--install] [--force]

Writes the worker's settings to an environment file and prints a systemd unit
that runs "splai-worker run" with it; --install writes the unit and enables the
service instead.

  --url URL         control-plane base URL (required)
  --worker-id ID    worker id (default: this host's name)
  --token T         API token (the file is then written with mode 0600)
  --env-file PATH   where to write the settings (default ${PACKAGED_UNIT.envFile})
  --unit-dir DIR    where --install writes the unit (default /etc/systemd/system)
  --install         write the unit and run systemctl daemon-reload + enable --now
  --force           replace an existing env file

Then check the connection with: splai-worker verify --url URL
`;

export interface JoinIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Runs systemctl (tests replace it); returns the exit code. */
  readonly systemctl?: (args: readonly string[]) => number;
  /** Whether systemd runs this host (default: /run/systemd/system exists). */
  readonly hasSystemd?: boolean;
}

const OWN = ['url', 'worker-id', 'token', 'env-file', 'unit-dir', 'install', 'force', 'help'];

/** The environment file: the given settings, and where to find the others. */
export function envFileText(settings: { url: string; workerId: string; token: string }): string {
  return [
    '# splai-worker settings, written by "splai-worker join".',
    '# Every setting: packaging/splai-worker.env.example or "splai-worker run --help".',
    `SPLAI_CONTROL_PLANE_URL=${settings.url}`,
    `SPLAI_WORKER_ID=${settings.workerId}`,
    ...(settings.token === '' ? [] : [`SPLAI_API_TOKEN=${settings.token}`]),
    '',
  ].join('\n');
}

/** `node /path/to/dist/cli/main.js run`, with absolute paths of this installation. */
export function localExecStart(): string {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  return `${process.execPath} ${main} run`;
}

export async function runJoinCommand(argv: readonly string[], io: JoinIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const { flags, positionals } = parseArgs(argv, ['help', 'install', 'force']);
  if (flags.has('help')) {
    stdout(JOIN_HELP);
    return 0;
  }
  const value = (name: string) => flagValue(flags, name);
  let url: string;
  let workerId: string;
  let token: string;
  let envFile: string;
  let unitDir: string;
  try {
    for (const name of flags.keys()) if (!OWN.includes(name)) throw new Error(`unknown option --${name}`);
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    const given = value('url');
    if (given === undefined) throw new Error('--url is required');
    workerId = value('worker-id') ?? hostname();
    token = value('token') ?? '';
    // The same validation as the daemon's, so a file join writes is one run accepts.
    const config = loadConfig({ env: { SPLAI_CONTROL_PLANE_URL: given, SPLAI_WORKER_ID: workerId, SPLAI_API_TOKEN: token } });
    url = config.controlPlaneUrl;
    if (/[\s#"'\\]/.test(workerId) || /[\s"'\\]/.test(token)) throw new Error('worker id and token may not contain spaces, quotes or backslashes');
    envFile = resolve(value('env-file') ?? PACKAGED_UNIT.envFile);
    unitDir = resolve(value('unit-dir') ?? '/etc/systemd/system');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    stderr(`splai-worker join: ${message}\n\n${JOIN_HELP}`);
    return 2;
  }

  if (existsSync(envFile) && !flags.has('force')) {
    stderr(`splai-worker join: ${envFile} exists; pass --force to replace it\n`);
    return 1;
  }
  try {
    await mkdir(dirname(envFile), { recursive: true });
    const mode = token === '' ? 0o644 : 0o600;
    await writeFile(envFile, envFileText({ url, workerId, token }), { mode });
    await chmod(envFile, mode); // writeFile keeps the mode of a file it replaces
  } catch (error) {
    stderr(`splai-worker join: cannot write ${envFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (run as root, or pass --env-file)\n`);
    return 1;
  }
  stdout(`wrote ${envFile}${token === '' ? '' : ' (mode 0600: it holds the token)'}\n`);

  const execStart = localExecStart();
  const unit = systemdUnit({ execStart, envFile });
  if (/(^|\s)\/(root|home)\//.test(execStart)) {
    // The unit sets ProtectHome=yes: a node or package under a home directory is invisible to the service.
    stderr(`splai-worker join: warning: ${execStart.split(' ')[0]} or the package lives under /root or /home, which the unit hides (ProtectHome=yes); install Node.js and splai-worker system-wide (e.g. npm install -g with a system Node)\n`);
  }
  if (!flags.has('install')) {
    stdout(`\n# systemd unit: save as /etc/systemd/system/splai-worker.service, or rerun with --install\n${unit}`);
    stdout(`\nThen: systemctl daemon-reload && systemctl enable --now splai-worker\nCheck: splai-worker verify --url ${url} --worker-id ${workerId}\n`);
    return 0;
  }
  const unitPath = join(unitDir, 'splai-worker.service');
  try {
    await mkdir(unitDir, { recursive: true });
    await writeFile(unitPath, unit, { mode: 0o644 });
  } catch (error) {
    stderr(`splai-worker join: cannot write ${unitPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (run as root)\n`);
    return 1;
  }
  stdout(`wrote ${unitPath}\n`);
  const hasSystemd = io.hasSystemd ?? existsSync('/run/systemd/system');
  if (!hasSystemd) {
    stdout('systemd is not running here; start the service with: systemctl daemon-reload && systemctl enable --now splai-worker\n');
    return 0;
  }
  const systemctl = io.systemctl ?? ((args: readonly string[]) => spawnSync('systemctl', args, { stdio: 'inherit' }).status ?? 1);
  for (const args of [['daemon-reload'], ['enable', '--now', 'splai-worker']]) {
    if (systemctl(args) !== 0) {
      stderr(`splai-worker join: systemctl ${args.join(' ')} failed\n`);
      return 1;
    }
  }
  stdout(`splai-worker is enabled and started. Check: splai-worker verify --url ${url} --worker-id ${workerId}\n`);
  return 0;
}
