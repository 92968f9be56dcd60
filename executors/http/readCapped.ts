/**
 * Read at most `limit` bytes of a response body as text and drop the rest, so a
 * backend that answers an error with megabytes of HTML cannot bloat a report.
 */
export async function readCapped(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Stop the transfer: nothing after the limit is needed. Not awaited: some
    // bodies (e.g. a mocked stream) settle cancel only once fully consumed.
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // A multi-byte character cut at the limit decodes as U+FFFD; drop it.
  return new TextDecoder().decode(bytes).replace(/\uFFFD$/, '');
}
