/** A remote OpenAI-compatible API: `POST /v1/chat/completions`, bearer key when configured. */
import * as v from 'valibot';
import { postJson } from '../http/postJson.js';
import { parseReply } from '../http/parseReply.js';
import { requireBaseUrl } from '../http/requireBaseUrl.js';
import { backendTimeoutMillis, type LlmBackend } from './types.js';

const Reply = v.object({
  choices: v.array(v.object({ message: v.object({ content: v.nullish(v.string(), '') }) })),
});

/** `Authorization: Bearer <SPLAI_REMOTE_API_KEY>` when a key is set, else nothing. */
export const remoteApiHeaders = (apiKey: string): Record<string, string> => (apiKey === '' ? {} : { Authorization: `Bearer ${apiKey}` });

export const remoteApi: LlmBackend = async ({ context, prompt, model }) => {
  const base = requireBaseUrl(context.config.remoteApiBaseUrl, 'SPLAI_REMOTE_API_BASE_URL', 'remote_api');
  const reply = await postJson({
    label: 'remote_api',
    url: `${base}/v1/chat/completions`,
    headers: remoteApiHeaders(context.config.remoteApiKey),
    body: { model: model || 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], stream: false },
    signal: context.signal,
    timeoutMillis: backendTimeoutMillis(context),
  });
  // A refusal or a tool call has null content: an empty answer for this task type.
  return parseReply('remote_api', Reply, reply).choices[0]?.message.content ?? '';
};
