/**
 * The wire between task threads and the command host (sandbox/commandHost.ts):
 * one JSON object per line over a Unix socket, each tagged with the id of the
 * run it belongs to. A thread sends `run` and maybe `abort`; the host answers
 * `spawned` once the launcher is up, then exactly one `result` or `error`.
 */
import { StringDecoder } from 'node:string_decoder';
import type { SandboxSupport } from './detectSandboxLevel.js';
import type { SandboxLimits } from './limits.js';
import type { SandboxResult } from './runSandboxed.js';

/** What a run needs; the plain-data part of `SandboxRunOptions`. */
export interface HostRunRequest {
  readonly command: string;
  readonly workDir: string;
  readonly support: SandboxSupport;
  readonly limits: SandboxLimits;
  readonly graceMillis?: number;
}

export type ThreadToHost =
  | { readonly id: number; readonly run: HostRunRequest }
  | { readonly id: number; readonly abort: string };

export type HostToThread =
  | { readonly id: number; readonly spawned: number }
  | { readonly id: number; readonly result: SandboxResult }
  | { readonly id: number; readonly error: string };

/** Splits a byte stream into lines and hands each parsed line to `onMessage`. */
export class JsonLineReader<T> {
  private pending = '';
  // A character split across two chunks must not become two broken halves.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onMessage: (message: T) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) if (line !== '') this.onMessage(JSON.parse(line) as T);
  }
}

/** One message as one line. */
export function jsonLine(message: ThreadToHost | HostToThread): string {
  return `${JSON.stringify(message)}\n`;
}
