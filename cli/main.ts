#!/usr/bin/env node
/** The `splai-worker` command: dispatches to its subcommands. */
import { runControlPlaneCommand } from '../control-plane/command.js';
import { runDemoCommand } from './demoCommand.js';
import { runJoinCommand } from './joinCommand.js';
import { runWorkerCommand } from './runCommand.js';
import { runVerifyCommand } from './verifyCommand.js';
import { packageVersion } from './version.js';

const HELP = `Usage: splai-worker <command> [options]

Commands:
  run             run the worker daemon against a SPLAI control plane
  demo            start a development control plane and a worker, run a demo job
  control-plane   run the development control plane (in-memory SPLAI gateway)
  verify          check reachability, auth, registration and heartbeat against a control plane
  join            write this host's worker settings and a systemd unit (--install to enable it)

Options:
  --version       print the version
  --help          this help; "splai-worker <command> --help" for a command
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runWorkerCommand(rest);
    case 'demo':
      return runDemoCommand(rest);
    case 'control-plane':
      return runControlPlaneCommand(rest);
    case 'verify':
      return runVerifyCommand(rest);
    case 'join':
      return runJoinCommand(rest);
    case '--version':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`splai-worker: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain, but never hang on a handle someone forgot to close.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`splai-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
