// PostgreSQL's bytea as bytes, and bytes as bytea.
/** A Buffer from node-postgres as a plain Uint8Array view of the same bytes. */
export function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A Uint8Array as the Buffer node-postgres sends as bytea (no copy). */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
