/**
 * `--inspect=stately`: feed the hosted Stately inspector (https://stately.ai/inspect)
 * through `@statelyai/inspect`.
 *
 * Why not the package's Node recipe as is (read dist/index.mjs, dist/server.mjs of 0.7.2):
 * - `createSkyInspector` sends every event to a third-party relay and, in Node,
 *   passes its sanitising options nowhere: contexts would leave unsanitised;
 * - `createInspectorServer` (the relay for `createWebSocketInspector`) listens on
 *   every interface, defaults to port 8080 (the control plane's) and runs
 *   `xdg-open`.
 * So we use the package's core, `createInspector(adapter, options)` (the same
 * event conversion, `sanitizeContext` / `sanitizeEvent` / `serialize` hooks the
 * WebSocket inspector uses), with an adapter that streams to a bridge page served
 * here on the worker's loopback HTTP server. The bridge page embeds the hosted UI
 * and forwards events to it with postMessage, exactly like the package's own bridge
 * page, but over server-sent events instead of a WebSocket.
 * Limits: the browser needs internet to load the hosted UI; the events themselves
 * only travel from this process to your browser.
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import type { WorkerHttpServer } from '../runtime/httpServer.js';
import { hostAllowed, refuse, sendText } from './guard.js';
import { createSanitizer } from './sanitize.js';
import { SseClients } from './sseClients.js';

/** Where the bridge page points its frame; the hosted Stately inspector. */
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

export interface StatelyBridge {
  readonly inspect: Observer<InspectionEvent>;
  /** Register `/inspect/stately` (bridge page) and its event stream; returns the page URL. */
  mount(server: WorkerHttpServer): string;
  /** Pages connected. */
  readonly viewers: number;
  close(): void;
}

/**
 * Events replayed to a page that opens late. The hosted UI needs the actor
 * registrations to draw anything, so a bounded backlog is kept (like the
 * package's own relay, which keeps 200).
 */
const BACKLOG = 500;

export function createStatelyBridge(options: { readonly secrets?: readonly string[] } = {}): StatelyBridge {
  const sanitize = createSanitizer({ secrets: options.secrets ?? [] });
  // The final pass keeps the machine definition (a long JSON string) and deep snapshots whole.
  const sanitizeWhole = createSanitizer({ secrets: options.secrets ?? [], maxString: 500_000, maxDepth: 32, maxEntries: 500 });
  const clients = new SseClients();
  const backlog: StatelyInspectionEvent[] = [];
  const inspector = createInspector(
    {
      send(event: StatelyInspectionEvent) {
        backlog.push(event);
        if (backlog.length > BACKLOG) backlog.shift();
        clients.broadcast(event);
      },
    },
    {
      sanitizeContext: (context) => sanitize(context) as Record<string, unknown>,
      sanitizeEvent: (event) => sanitize(event) as { type: string },
      // The whole converted event (snapshot output, children, machine definition)
      // goes through the sanitizer once more: contexts are not the only place data sits.
      serialize: (event) => sanitizeWhole(event) as unknown as StatelyInspectionEvent,
      // The default depth (10) cuts the machine definitions the UI draws from.
      serializationDepthLimit: 20,
    },
  );
  return {
    inspect: inspector.inspect,
    get viewers() {
      return clients.size;
    },
    mount(server) {
      server.route('GET', '/inspect/stately', (req, res) => {
        if (!hostAllowed(req, server.url)) return refuse(res);
        sendText(res, 'text/html', bridgeHtml(), `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-src ${new URL(STATELY_INSPECTOR_URL).origin}; base-uri 'none'`);
      });
      server.route('GET', '/inspect/stately/events', (req, res) => {
        if (!hostAllowed(req, server.url)) return refuse(res);
        clients.open(req, res, (send) => {
          for (const event of backlog) send(event);
        });
      });
      return `${server.url}/inspect/stately`;
    },
    close: () => clients.closeAll(),
  };
}

/** The bridge: the hosted UI in a frame, fed from our event stream once it says it is ready. */
function bridgeHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>splai-worker: Stately inspector</title>
<style>html, body { height: 100%; margin: 0; } iframe { width: 100%; height: 100%; border: 0; }</style>
</head>
<body>
<iframe id="inspector" src="${STATELY_INSPECTOR_URL}" title="Stately inspector"></iframe>
<script>
  var frame = document.getElementById('inspector');
  var ready = false, pending = [];
  window.addEventListener('message', function (e) {
    if (e.source === frame.contentWindow && e.data && e.data.type === '@statelyai.connected') {
      ready = true;
      pending.forEach(function (event) { frame.contentWindow.postMessage(event, '${new URL(STATELY_INSPECTOR_URL).origin}'); });
      pending = [];
    }
  });
  var source = new EventSource('/inspect/stately/events');
  source.onmessage = function (m) {
    var event = JSON.parse(m.data);
    if (ready) frame.contentWindow.postMessage(event, '${new URL(STATELY_INSPECTOR_URL).origin}');
    else pending.push(event);
  };
</script>
</body>
</html>
`;
}
