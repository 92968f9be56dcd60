/** Read a server-sent-event stream in Node until a condition holds. */

export interface SseReader {
  /** Every `data:` payload so far, parsed. */
  readonly messages: unknown[];
  /** Everything received so far, raw. */
  raw(): string;
  /** Resolves once `check(messages)` is true; rejects after the timeout. */
  until(check: (messages: unknown[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  if (!response.ok || response.body === null) throw new Error(`GET ${url}: ${response.status}`);
  const messages: unknown[] = [];
  let raw = '';
  let pending = '';
  const waiters = new Set<() => void>();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const text = decoder.decode(read.value, { stream: true });
      raw += text;
      pending += text;
      let end: number;
      while ((end = pending.indexOf('\n\n')) >= 0) {
        const frame = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data !== '') messages.push(JSON.parse(data));
      }
      for (const wake of waiters) wake();
    }
  })().catch(() => undefined);
  return {
    messages,
    raw: () => raw,
    until(check, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const test = () => {
          if (!check(messages)) return;
          waiters.delete(test);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`event stream ${url}: condition not met in ${timeoutMs} ms (${messages.length} messages)`));
        }, timeoutMs);
        waiters.add(test);
        test();
      });
    },
    close: () => abort.abort(),
  };
}
