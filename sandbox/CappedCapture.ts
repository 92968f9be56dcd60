/**
 * Keeps the first `cap` bytes of a stream and drops the rest while still
 * reading it, so a command that floods its output neither blocks on a full pipe
 * nor grows the worker's memory.
 */
import type { Readable } from 'node:stream';

export class CappedCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes seen in total, kept or not. */
  total = 0;

  constructor(private readonly cap: number) {}

  get truncated(): boolean {
    return this.total > this.cap;
  }

  /** Start reading `stream` into this capture. */
  attach(stream: Readable): void {
    stream.on('data', (chunk: Buffer) => this.push(chunk));
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
    // Copy a partial piece: a subarray would pin the whole (possibly 64 KiB) chunk.
    this.chunks.push(piece === chunk ? chunk : Buffer.from(piece));
    this.kept += piece.length;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.kept).toString('utf8');
  }
}
