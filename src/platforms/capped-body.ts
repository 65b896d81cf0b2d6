// Reading a downloaded file without trusting the size the server reports: stop as soon as it grows past the limit.

export type CappedBody = { tooLarge: false; bytes: Uint8Array } | { tooLarge: true; bytesRead: number };

/** Reads a response body into one buffer, or stops (cancelling the stream) once more than maxBytes have arrived. */
export async function readCappedBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CappedBody> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (body) {
    for await (const chunk of body) {
      total += chunk.byteLength;
      // Leaving the loop early cancels the stream.
      if (total > maxBytes) return { tooLarge: true, bytesRead: total };
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { tooLarge: false, bytes };
}
