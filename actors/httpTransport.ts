/**
 * JSON over HTTP/1.1 for the control-plane client: node:http (or https) on a
 * keep-alive agent, nothing more.
 *
 * Why not ky or fetch: against the Go gateway a worker makes three or four
 * calls per task, and measured on these machines a call through ky costs
 * 0.3-0.6 ms of CPU (whatever fetch it is given: ky itself builds a Request,
 * Headers, an AbortController and a Response per call), against 0.06-0.08 ms
 * here. See docs/decisions/006-control-plane-transport.md.
 *
 * Each request has a timeout; `signal` aborts it; a reply body larger than
 * `maxReplyBytes` is cut off as an error (a gateway never sends one, a
 * misdirected URL might). Errors are plain `Error`s with `name`
 * `TimeoutError` or `AbortError`, or the socket's error (with its `code`).
 */
// The module objects, not named imports: request interception in tests (MSW) replaces
// `http.request` on them after this module has loaded.
import http, { type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';

export interface HttpTransportOptions {
  /** Base URL; a path in it (`http://host/api`) prefixes every request path. */
  readonly baseUrl: string;
  /** Headers of every request (e.g. the token). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMillis: number;
  /** Largest reply body read (default 4 MiB). */
  readonly maxReplyBytes?: number;
}

export interface HttpReply {
  readonly status: number;
  readonly text: string;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export class HttpTransport {
  readonly #module: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #base: Pick<RequestOptions, 'protocol' | 'hostname' | 'port'>;
  readonly #prefix: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMillis: number;
  readonly #maxReplyBytes: number;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`control-plane URL must be http or https, got ${url.protocol}`);
    this.#module = secure ? https : http;
    // One connection per call in flight, kept open between calls (the gateway never closes idle ones).
    this.#agent = new this.#module.Agent({ keepAlive: true, scheduling: 'lifo' });
    this.#base = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port };
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#headers = { ...JSON_HEADERS, ...options.headers };
    this.#timeoutMillis = options.timeoutMillis;
    this.#maxReplyBytes = options.maxReplyBytes ?? 4 * 1024 * 1024;
  }

  /** One request; resolves with any reply (non-2xx included), rejects on a network error, timeout or abort. */
  request(method: 'GET' | 'POST', path: string, body: string | undefined, signal?: AbortSignal): Promise<HttpReply> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<HttpReply>((resolve, reject) => {
      const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-length': String(Buffer.byteLength(body)) };
      let settled = false;
      const finish = (error: Error | undefined, reply?: HttpReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(reply!);
        else reject(error);
      };
      const req = this.#module.request({ ...this.#base, method, path: `${this.#prefix}/${path}`, agent: this.#agent, headers }, (res) => this.#read(res, finish));
      const fail = (error: Error) => {
        req.destroy();
        finish(error);
      };
      const timer = setTimeout(() => fail(namedError('TimeoutError', 'request timed out')), this.#timeoutMillis);
      const onAbort = () => fail(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(error));
      req.end(body);
    });
  }

  /** Close idle connections (calls still in flight finish). */
  close(): void {
    this.#agent.destroy();
  }

  #read(res: IncomingMessage, finish: (error: Error | undefined, reply?: HttpReply) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.#maxReplyBytes) {
        // Settle first: destroying the reply emits its own 'aborted' at once.
        finish(namedError('ReplyTooLarge', `reply larger than ${this.#maxReplyBytes} bytes`));
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
    res.on('error', (error) => finish(error));
    res.on('aborted', () => finish(namedError('ConnectionReset', 'connection closed before the reply ended')));
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : namedError('AbortError', 'request aborted');
}
