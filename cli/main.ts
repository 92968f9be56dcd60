#!/usr/bin/env node
/** The `splai-worker` command: dispatches to its subcommands. */
// Subcommands are imported when chosen: `run` starts faster and lighter without
// the demo's, the control plane's and the other commands' modules (docs/performance.md).
import { packageVersion } from '../base/version.js';

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
      return (await import('./runCommand.js')).runWorkerCommand(rest);
    case 'demo':
      return (await import('./demoCommand.js')).runDemoCommand(rest);
    case 'control-plane':
      return (await import('../control-plane/command.js')).runControlPlaneCommand(rest);
    case 'verify':
      return (await import('./verifyCommand.js')).runVerifyCommand(rest);
    case 'join':
      return (await import('./joinCommand.js')).runJoinCommand(rest);
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
