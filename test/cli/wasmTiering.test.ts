/**
 * The daemon keeps undici's HTTP parser (WebAssembly) on the baseline compiler:
 * optimising it costs a ~30 MB malloc peak on a background thread, part of which
 * stays resident for the life of the process (cli/runCommand.ts).
 *
 * Each case runs in a fresh Node process (V8 flags are process-wide and the
 * parser is compiled once per process): it makes HTTP requests (V8 tiers the
 * parser up after a few dozen) and reports V8's peak of malloced memory
 * (compiler zones included) as soon as it passes 15 MB, or after 1,000 requests
 * and 3 s more otherwise. Measured after 1,000 requests, a parser optimised by
 * TurboFan peaks at 20-36 MB (Node 20, 22, 24), one kept on Liftoff at 3-8 MB.
 *
 * The children run with `--no-maglev`, so that the peak measures the
 * WebAssembly compile alone: from Node 22 on, V8's mid-tier JavaScript
 * compiler (Maglev) optimises this script's own hot loop (client and server in
 * one process), and on Node 24 that alone peaks at ~22 MB. The daemon keeps
 * Maglev (docs/performance.md: it saves CPU per task).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const wasmTiering = fileURLToPath(new URL('../../runtime/wasmTiering.ts', import.meta.url));

const script = (keepBaseline: boolean) => `
import http from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
${keepBaseline ? `(await import(${JSON.stringify(wasmTiering)})).keepWasmOnBaselineCompiler();` : ''}
const server = http.createServer((request, response) => response.end('{"ok":true}')).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/';
const peak = () => getHeapStatistics().peak_malloced_memory;
// The optimising compile runs on a background thread: on a busy machine it may start late.
for (let i = 0; i < 1000 && peak() < 15 * 2 ** 20; i++) await (await fetch(url)).text();
for (let waited = 0; waited < 3_000 && peak() < 15 * 2 ** 20; waited += 100) await sleep(100);
server.close();
process.stdout.write(String(peak()));
`;

function peakMallocMb(keepBaseline: boolean): number {
  const child = spawnSync(process.execPath, ['--no-maglev', '--import', 'tsx', '--input-type=module', '-e', script(keepBaseline)], { encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  return Number(child.stdout) / 1024 / 1024;
}

describe('keepWasmOnBaselineCompiler', () => {
  it('keeps the HTTP parser from being recompiled by the optimising compiler', () => {
    expect(peakMallocMb(true)).toBeLessThan(10);
  }, 60_000);

  it('is what makes the difference: without it the parser is optimised (a 20-36 MB peak)', () => {
    expect(peakMallocMb(false)).toBeGreaterThan(15);
  }, 60_000);
});
