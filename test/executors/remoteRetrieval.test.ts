/** retrieval backend remote_api against an MSW fake of the retrieval service. */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../executors/retrieval.js';
import { retrieveRemote } from '../../executors/remoteRetrieval.js';
import { fakeContext } from './fakeContext.js';

const BASE = 'http://retrieval.test:7000';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const hits = [{ id: 'doc-2', score: 0.91, text: 'GPUs are fast', metadata: { tenant: 'acme' } }];

describe('retrieval remote_api', () => {
  it('POSTs /v1/retrieve with query, documents, filters and top_k and the bearer key', async () => {
    let body: unknown;
    let headers: Headers | undefined;
    server.use(
      http.post(`${BASE}/v1/retrieve`, async ({ request }) => {
        body = await request.json();
        headers = request.headers;
        return HttpResponse.json({ documents: hits });
      }),
    );
    const context = fakeContext({ type: 'retrieval', config: { retrievalBaseUrl: BASE, retrievalApiKey: 'rk-1' } });
    const documents = [
      { id: 'doc-1', text: 'CPUs', metadata: { tenant: 'acme' } },
      { id: 'doc-2', text: 'GPUs are fast', metadata: { tenant: 'acme' } },
    ];
    await expect(retrieveRemote(context, { query: 'gpu', documents, filters: { tenant: 'acme' }, topK: 3 })).resolves.toEqual(hits);
    expect(body).toEqual({ query: 'gpu', documents, filters: { tenant: 'acme' }, top_k: 3 });
    expect(headers?.get('authorization')).toBe('Bearer rk-1');
    expect(headers?.get('content-type')).toBe('application/json');
  });

  it('retries SPLAI_RETRIEVAL_HTTP_RETRIES times, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/v1/retrieve`, () => {
        calls += 1;
        return calls < 3 ? new HttpResponse('upstream busy', { status: 502 }) : HttpResponse.json({ documents: hits });
      }),
    );
    const context = fakeContext({ type: 'retrieval', inputs: { query: 'gpu', documents: 'CPUs\nGPUs are fast', backend: 'remote_api' }, config: { retrievalBaseUrl: BASE, retrievalHttpRetries: 2 } });
    const output = await execute(context);
    expect(calls).toBe(3);
    expect(output).toMatchObject({ backend: 'remote_api', documents: hits, query: 'gpu', top_k: 5 });
  });

  it('fails with status and body after the last retry, without a key header when none is set', async () => {
    const seen: (string | null)[] = [];
    server.use(
      http.post(`${BASE}/v1/retrieve`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.json({ error: 'index unavailable' }, { status: 503 });
      }),
    );
    const context = fakeContext({ type: 'retrieval', config: { retrievalBaseUrl: BASE, retrievalHttpRetries: 1 } });
    await expect(retrieveRemote(context, { query: 'q', documents: [], filters: {}, topK: 5 })).rejects.toThrow('retrieval remote_api returned HTTP 503: {"error":"index unavailable"}');
    expect(seen).toEqual([null, null]);
  });

  it('names the variable when the base URL is missing', async () => {
    const context = fakeContext({ type: 'retrieval' });
    await expect(retrieveRemote(context, { query: 'q', documents: [], filters: {}, topK: 5 })).rejects.toThrow('SPLAI_RETRIEVAL_BASE_URL is required for backend=remote_api');
  });
});
