// readCappedBody: a whole body comes back in one buffer; one that grows past the limit is cut off mid-stream.
import { describe, expect, it } from 'vitest';
import { readCappedBody } from '../../src/platforms/capped-body.js';

/** A stream of `chunks` chunks of `size` bytes (byte value = chunk index), noting how many were pulled. */
function chunked(chunks: number, size: number): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let sent = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(sent++));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => sent, cancelled: () => cancelled };
}

describe('readCappedBody', () => {
  it('joins the chunks of a body within the limit, the limit itself included', async () => {
    const read = await readCappedBody(chunked(3, 4).body, 12);
    expect(read).toEqual({ tooLarge: false, bytes: new Uint8Array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]) });
  });

  it('stops and cancels the stream as soon as the body passes the limit', async () => {
    const stream = chunked(100, 4);
    const read = await readCappedBody(stream.body, 10);
    expect(read).toEqual({ tooLarge: true, bytesRead: 12 });
    expect(stream.pulled()).toBeLessThan(100);
    expect(stream.cancelled()).toBe(true);
  });

  it('reads a missing body as empty', async () => {
    expect(await readCappedBody(null, 10)).toEqual({ tooLarge: false, bytes: new Uint8Array(0) });
  });
});
