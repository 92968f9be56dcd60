/** vLLM's OpenAI-compatible `POST /v1/completions`, as the reference worker calls it. */
import * as v from 'valibot';
import { postJson } from '../http/postJson.js';
import { parseReply } from '../http/parseReply.js';
import { requireBaseUrl } from '../http/requireBaseUrl.js';
import { backendTimeoutMillis, type LlmBackend } from './types.js';

const Reply = v.object({ choices: v.array(v.object({ text: v.nullish(v.string(), '') })) });

export const vllm: LlmBackend = async ({ context, prompt, model }) => {
  const base = requireBaseUrl(context.config.vllmBaseUrl, 'SPLAI_VLLM_BASE_URL', 'vllm');
  const reply = await postJson({
    label: 'vllm',
    url: `${base}/v1/completions`,
    body: { model: model || 'llama3-8b-q4', prompt, max_tokens: 256 },
    signal: context.signal,
    timeoutMillis: backendTimeoutMillis(context),
  });
  // No choice at all is an empty answer, which the executor reports.
  return parseReply('vllm', Reply, reply).choices[0]?.text ?? '';
};
