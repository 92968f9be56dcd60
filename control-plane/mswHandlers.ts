/**
 * The MSW face of the development control plane: request handlers for msw 2
 * (`setupServer(...controlPlaneHandlers(cp, baseUrl))`), so a test can run a
 * worker against a control plane without opening a port. Same core and same
 * routing as the HTTP face (routes.ts), so both answer byte for byte alike.
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { ControlPlane } from './ControlPlane.js';
import { handleRequest } from './routes.js';

/**
 * Handlers answering every request under `baseUrl` (e.g. `http://splai.test`
 * or `http://localhost:8080/api`). Unknown paths under it get the gateway's 404;
 * other origins stay unhandled, so `onUnhandledRequest: 'error'` still catches
 * stray calls. An injected connection reset becomes a network error
 * (`fetch` rejects with a TypeError).
 *
 * @example
 * ```ts
 * const controlPlane = new ControlPlane();
 * const server = setupServer(...controlPlaneHandlers(controlPlane, 'http://splai.test'));
 * server.listen({ onUnhandledRequest: 'error' });
 * ```
 */
export function controlPlaneHandlers(controlPlane: ControlPlane, baseUrl: string): HttpHandler[] {
  const base = baseUrl.replace(/\/+$/, '');
  const basePath = new URL(base).pathname.replace(/\/+$/, '');
  return [
    http.all(`${base}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const reply = await handleRequest(controlPlane, {
        method: request.method,
        url: url.pathname.slice(basePath.length) + url.search,
        header: (name) => request.headers.get(name) ?? undefined,
        body: () => request.text(),
      });
      if (reply.kind === 'reset') return HttpResponse.error();
      return new HttpResponse(reply.body, { status: reply.status, headers: { 'content-type': reply.contentType } });
    }),
  ];
}
