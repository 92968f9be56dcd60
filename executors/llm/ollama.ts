/** Ollama `POST /api/generate` (non-streaming), as the reference worker calls it. */
import * as v from 'valibot';
import { postJson } from '../http/postJson.js';
import { parseReply } from '../http/parseReply.js';
import { requireBaseUrl } from '../http/requireBaseUrl.js';
import { backendTimeoutMillis, type LlmBackend } from './types.js';

const Reply = v.object({ response: v.string() });

export const ollama: LlmBackend = async ({ context, prompt, model }) => {
  const base = requireBaseUrl(context.config.ollamaBaseUrl, 'SPLAI_OLLAMA_BASE_URL', 'ollama');
  const reply = await postJson({
    label: 'ollama',
    url: `${base}/api/generate`,
    body: { model: model || 'llama3-8b-q4', prompt, stream: false },
    signal: context.signal,
    timeoutMillis: backendTimeoutMillis(context),
  });
  return parseReply('ollama', Reply, reply).response;
};
