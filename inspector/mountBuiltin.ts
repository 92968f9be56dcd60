/**
 * Serve the built-in inspector on the worker's HTTP server:
 * `GET /inspect` (page), `/inspect/app.js`, `/inspect/app.css`, `/inspect/events` (SSE).
 */
import type { WorkerHttpServer } from '../runtime/httpServer.js';
import { BUILTIN_CSP, hostAllowed, refuse, sendText } from './guard.js';
import type { InspectorHub } from './hub.js';
import { inspectorScript } from './page/client.js';
import { inspectorCss } from './page/css.js';
import { inspectorHtml } from './page/html.js';

/** Register the routes; returns the page's URL. */
export function mountBuiltinInspector(server: WorkerHttpServer, hub: InspectorHub): string {
  const assets: [string, string, string][] = [
    ['/inspect', 'text/html', inspectorHtml],
    ['/inspect/', 'text/html', inspectorHtml],
    ['/inspect/app.js', 'text/javascript', inspectorScript],
    ['/inspect/app.css', 'text/css', inspectorCss],
  ];
  for (const [path, type, body] of assets) {
    server.route('GET', path, (req, res) => {
      if (!hostAllowed(req, server.url)) return refuse(res);
      sendText(res, type, body, BUILTIN_CSP);
    });
  }
  server.route('GET', '/inspect/events', (req, res) => {
    if (!hostAllowed(req, server.url)) return refuse(res);
    hub.connect(req, res);
  });
  return `${server.url}/inspect`;
}
