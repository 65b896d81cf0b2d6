// readCappedBody: a whole body comes back in one buffer; one that grows past the limit is cut off mid-stream.
import { describe, expect, it } from 'vitest';
import { readCappedBody, readRequestBodyOr413 } from '../../src/platforms/shared/capped-body.js';

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

describe('readRequestBodyOr413 (every HTTP endpoint the bot serves)', () => {
  /** A server that reads each body with the cap and answers with its length, counting what it read. */
  async function server(maxBytes: number) {
    const { createServer } = await import('node:http');
    const srv = createServer(async (req, res) => {
      const body = await readRequestBodyOr413(req, res, maxBytes);
      if (body) res.end(String(body.length));
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
  }

  it('passes a body within the cap and answers 413 past it, declared or not', async () => {
    const srv = await server(1000);
    try {
      const ok = await fetch(srv.url, { method: 'POST', body: new Uint8Array(1000) });
      expect([ok.status, await ok.text()]).toEqual([200, '1000']);
      const declared = await fetch(srv.url, { method: 'POST', body: new Uint8Array(1001) });
      expect(declared.status).toBe(413);
      const { body } = chunked(10, 300);
      const streamed = await fetch(srv.url, { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
    } finally {
      await srv.close();
    }
  });
});
