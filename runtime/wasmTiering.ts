import { setFlagsFromString } from 'node:v8';

/**
 * Keep WebAssembly on V8's baseline compiler (Liftoff) in this process.
 *
 * The only WebAssembly a worker runs is undici's HTTP parser (llhttp, behind
 * `fetch` and so ky). After the first few control-plane replies V8 recompiles
 * its large parse function with TurboFan on a background thread, which mallocs
 * ~30 MB for a moment; glibc keeps part of that thread's arena resident (0.7 to
 * 9 MB depending on fragmentation), so an idle daemon sat at either ~88 or
 * ~97 MB RSS. Parsing a few small replies a second gains nothing measurable from
 * optimised code (fetch throughput on loopback was the same within noise).
 *
 * Must run before the first request compiles the parser. V8 flags are
 * process-wide: only the daemon, which owns its process, sets them (and the
 * bench's agents, so that what is measured is what the daemon runs).
 */
export function keepWasmOnBaselineCompiler(): void {
  // Both: dynamic tiering ignores --no-wasm-tier-up, and without dynamic
  // tiering V8 would compile the whole module with TurboFan up front.
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}
