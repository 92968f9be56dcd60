/**
 * The gateway's tie-break hash: 32-bit FNV-1a over the UTF-8 bytes of a string
 * (Go's hash/fnv New32a, as used by tieHash in internal/scheduler/engine.go).
 *
 * The gateway hashes two different byte strings, and the difference is visible in
 * who gets which task, so both are spelled out here:
 * - ordering the claims of one poll: `<job>/<task>|<poller>`;
 * - choosing between equally scored workers: `<job>|<task>|<worker>`.
 */

const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a 32 of the string's UTF-8 encoding, as an unsigned 32-bit integer. */
export function fnv1a32(text: string): number {
  let hash = OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return fnv1a32Bytes(utf8.encode(text));
    hash = Math.imul(hash ^ code, PRIME);
  }
  return hash >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let hash = OFFSET_BASIS;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, PRIME);
  return hash >>> 0;
}

/** Tie-break of two claims of the same age in one poll (higher goes first). */
export function claimTieHash(jobId: string, taskId: string, pollerId: string): number {
  return fnv1a32(`${jobId}/${taskId}|${pollerId}`);
}

/** Tie-break of two workers whose scores differ by less than 0.0001 (higher wins). */
export function workerTieHash(jobId: string, taskId: string, workerId: string): number {
  return fnv1a32(`${jobId}|${taskId}|${workerId}`);
}
