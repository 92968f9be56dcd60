/**
 * Request checks shared by the inspector's routes. The page shows sanitised
 * data only, but it still describes the worker: answer only requests addressed
 * to this server by name (defeats DNS rebinding from a web page the developer
 * happens to have open) and never let the page load anything from elsewhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Whether the request's Host header names this server: a loopback name or the
 * host the server is bound to, e.g. `http://10.0.0.5:9464` allows `10.0.0.5`.
 */
export function hostAllowed(req: IncomingMessage, serverUrl: string): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return LOOPBACK.has(hostname) || hostname === new URL(serverUrl).hostname;
}

/** Content-Security-Policy of the built-in page: only this origin, nothing else. */
export const BUILTIN_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Send a static text asset with headers that keep it local. */
export function sendText(res: ServerResponse, contentType: string, body: string, csp: string): void {
  res.writeHead(200, {
    'content-type': `${contentType}; charset=utf-8`,
    'cache-control': 'no-store',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

export function refuse(res: ServerResponse): void {
  res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('inspector: requests must be addressed to this host (loopback)\n');
}
