/**
 * A local Hugging Face Hub serving the two routes `@huggingface/hub` uses to
 * download a model: the recursive tree listing
 * (`GET /api/models/<repo>/tree/<rev>?recursive=true`) and file downloads
 * (`GET /<repo>/resolve/<rev>/<path>`, probed with `Range: bytes=0-0`), where
 * `<repo>` is `org/name` or a one-segment name such as `gpt2`.
 * It can cut a file mid-stream or stall it, to test interrupted downloads.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHubOptions {
  /** model -> (path -> content). */
  readonly models: Record<string, Record<string, string | Buffer>>;
  /** Redirect file downloads (302) to this origin, as the Hub does to its CDN. */
  readonly redirectFilesTo?: string;
  /** Requests that match no route: 404 by default; a git server for the git fallback. */
  readonly fallback?: (request: IncomingMessage, response: ServerResponse) => void;
}

export interface FakeHub {
  readonly url: string;
  /** Full-file downloads served (not the 1-byte probes), by `<model>/<path>`. */
  readonly downloads: string[];
  /** Authorization headers seen, in order. */
  readonly authorizations: (string | undefined)[];
  /** Every request's path, in order (to prove that nothing was asked). */
  readonly requests: string[];
  /** Cut the next full download of this `<model>/<path>` after half its bytes. */
  cutNext(file: string): void;
  /** Hold full downloads (after half the bytes) until release() is called. */
  stallDownloads(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const downloads: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const requests: string[] = [];
  const cut = new Set<string>();
  let stalled: (() => void)[] | undefined;

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://hub');
    requests.push(url.pathname);
    const tree = /^\/api\/models\/((?:[^/]+\/)?[^/]+)\/tree\/main$/.exec(url.pathname);
    const resolve = /^\/((?:[^/]+\/)?[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    if (tree !== null || resolve !== null) authorizations.push(request.headers.authorization);
    if (tree?.[1] !== undefined && options.models[tree[1]] !== undefined) {
      const files = options.models[tree[1]] ?? {};
      const entries = Object.entries(files).map(([path, content]) => ({ type: 'file', oid: sha1(content), size: Buffer.byteLength(content), path }));
      const directories = [...new Set(Object.keys(files).filter((p) => p.includes('/')).map((p) => p.slice(0, p.lastIndexOf('/'))))];
      const listing = [...directories.map((path) => ({ type: 'directory', oid: sha1(path), size: 0, path })), ...entries];
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(listing));
      return;
    }
    const content = resolve?.[1] === undefined || resolve[2] === undefined ? undefined : options.models[resolve[1]]?.[decodeURIComponent(resolve[2])];
    if (resolve !== null && content !== undefined && options.redirectFilesTo !== undefined) {
      response.writeHead(302, { Location: `${options.redirectFilesTo}${url.pathname}` }).end();
      return;
    }
    if (resolve !== null && content !== undefined) {
      const body = Buffer.from(content);
      const etag = `"${sha1(content)}"`;
      if (request.headers.range === 'bytes=0-0') {
        response.writeHead(206, { 'Content-Range': `bytes 0-0/${body.length}`, 'Content-Length': '1', ETag: etag, 'Accept-Ranges': 'bytes' }).end(body.subarray(0, 1));
        return;
      }
      const file = `${resolve[1]}/${decodeURIComponent(resolve[2] ?? '')}`;
      downloads.push(file);
      response.writeHead(200, { 'Content-Length': String(body.length), ETag: etag, 'Content-Type': 'application/octet-stream' });
      const half = Math.floor(body.length / 2);
      if (cut.delete(file)) {
        response.write(body.subarray(0, half), () => response.destroy());
        return;
      }
      if (stalled !== undefined) {
        response.write(body.subarray(0, half));
        stalled.push(() => response.end(body.subarray(half)));
        return;
      }
      response.end(body);
      return;
    }
    if (options.fallback !== undefined && !url.pathname.startsWith('/api/')) {
      options.fallback(request, response);
      return;
    }
    response.writeHead(404, { 'Content-Type': 'application/json', 'X-Error-Code': resolve === null ? 'RepoNotFound' : 'EntryNotFound' }).end(JSON.stringify({ error: 'Repository not found' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    downloads,
    authorizations,
    requests,
    cutNext: (file) => cut.add(file),
    stallDownloads: () => {
      stalled ??= [];
    },
    release: () => {
      const waiting = stalled ?? [];
      stalled = undefined;
      for (const resume of waiting) resume();
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const sha1 = (content: string | Buffer): string => createHash('sha1').update(content).digest('hex');
