/**
 * The reference worker's ways to download a model, tried after the native one:
 * `hf download`, `huggingface-cli download`, `git clone --depth 1`. HF_TOKEN and
 * HF_ENDPOINT reach the child through its environment; git gets the token as an
 * `http.extraHeader` through GIT_CONFIG_* variables, so it never shows in `ps`.
 */
import type { ExecutorContext } from '../types.js';
import type { DownloadWay } from './downloadWay.js';
import { hubEndpoint } from './hubEndpoint.js';
import { runCommand } from './runCommand.js';

function childEnv(context: ExecutorContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', HF_HUB_DISABLE_PROGRESS_BARS: '1' };
  if (context.config.hfToken !== '') env.HF_TOKEN = context.config.hfToken;
  if (context.config.hfEndpoint !== '') env.HF_ENDPOINT = context.config.hfEndpoint;
  return env;
}

export const cliDownloads: readonly DownloadWay[] = [
  {
    name: 'hf',
    run: (context, model, into) => runCommand(context, { command: 'hf', args: ['download', model, '--local-dir', into], env: childEnv(context) }),
  },
  {
    name: 'huggingface-cli',
    run: (context, model, into) =>
      runCommand(context, {
        command: 'huggingface-cli',
        args: ['download', model, '--local-dir', into, '--local-dir-use-symlinks', 'False'],
        env: childEnv(context),
      }),
  },
  {
    name: 'git',
    run: (context, model, into) => {
      const env = childEnv(context);
      if (context.config.hfToken !== '') {
        Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${context.config.hfToken}` });
      }
      return runCommand(context, { command: 'git', args: ['clone', '--depth', '1', '--', `${hubEndpoint(context.config)}/${model}`, into], env });
    },
  },
];
