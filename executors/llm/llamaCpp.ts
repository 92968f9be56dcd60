/** llama.cpp server `POST /completion`, as the reference worker calls it. */
import * as v from 'valibot';
import { postJson } from '../http/postJson.js';
import { parseReply } from '../http/parseReply.js';
import { requireBaseUrl } from '../http/requireBaseUrl.js';
import { backendTimeoutMillis, type LlmBackend } from './types.js';

const Reply = v.object({ content: v.string() });

export const llamaCpp: LlmBackend = async ({ context, prompt, model }) => {
  const base = requireBaseUrl(context.config.llamacppBaseUrl, 'SPLAI_LLAMACPP_BASE_URL', 'llama.cpp');
  const reply = await postJson({
    label: 'llama.cpp',
    url: `${base}/completion`,
    // The reference sends the model as given (the server serves one model and ignores it).
    body: { prompt, n_predict: 256, temperature: 0.2, model },
    signal: context.signal,
    timeoutMillis: backendTimeoutMillis(context),
  });
  return parseReply('llama.cpp', Reply, reply).content;
};
