// Reading a downloaded file without trusting the size the server reports: stop as soon as it grows past the limit.
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/**
 * Reads an incoming HTTP request's body, or answers 413 Payload Too Large as soon as it is known to be larger than
 * maxBytes: at once from Content-Length, else while it streams in, so that no more than maxBytes (plus one chunk)
 * is ever held. On 413 the connection is closed (what is still on the way is not read). Every HTTP endpoint the bot
 * serves reads bodies through this (Slack's receiver; the studio's uploads with their own limit).
 * Resolves to the body, or to null once the 413 has been sent.
 */
export async function readRequestBodyOr413(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer | null> {
  const refuse = (): null => {
    if (!res.headersSent) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`Request body larger than ${maxBytes} bytes.\n`, () => req.destroy());
    }
    return null;
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return refuse();
  // Events, not for-await: leaving an async iterator early destroys the socket before the 413 can be written.
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        req.pause();
        resolve(refuse());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
