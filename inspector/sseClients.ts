/**
 * The open server-sent-event streams of one inspector endpoint. Writes are
 * fire-and-forget: a slow or gone page never blocks the worker.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const KEEPALIVE_MILLIS = 15_000;

export class SseClients {
  readonly #clients = new Set<ServerResponse>();
  #keepalive: NodeJS.Timeout | undefined;

  /** How many pages are listening; 0 means the inspector does no per-event work. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Turn a request into an event stream. `greet` writes what a new page needs first
   * (before it is added, so it never sees a live message before its snapshot).
   */
  open(req: IncomingMessage, res: ServerResponse, greet: (send: (data: unknown) => void) => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    greet((data) => write(res, data));
    this.#clients.add(res);
    this.#keepalive ??= setInterval(() => {
      for (const client of this.#clients) client.write(': keepalive\n\n');
    }, KEEPALIVE_MILLIS).unref();
    const remove = () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0 && this.#keepalive !== undefined) {
        clearInterval(this.#keepalive);
        this.#keepalive = undefined;
      }
    };
    req.once('close', remove);
    res.once('close', remove);
  }

  /** Send one message (serialised once) to every page. */
  broadcast(data: unknown): void {
    if (this.#clients.size === 0) return;
    const frame = `data: ${JSON.stringify(data)}\n\n`;
    for (const client of this.#clients) client.write(frame);
  }

  /** End every stream (worker shutting down). */
  closeAll(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    if (this.#keepalive !== undefined) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}

function write(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}
