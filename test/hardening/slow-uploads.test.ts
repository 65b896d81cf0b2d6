// Kind 2 of the hardening round: a body sent a byte a second is cut off by the request deadline, a client that is
// refused (not logged in) loses its socket instead of keeping it while its body trickles, a declared body over
// every limit is refused unread, and one address cannot hold more than its share of sockets. Raw sockets on
// loopback; every loop is bounded.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/logger.js';
import { startTestStudio, type TestStudio } from '../web/helpers.js';

const TOKEN = 'slow-upload-token-0123456789';

/** Opens a socket to the studio, sends `head`, then one byte a second; resolves with ms until the server closed it. */
function trickle(url: string, head: string, giveUpMs: number): Promise<{ closedAfterMs: number | null; received: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs: closed ? performance.now() - started : null, received });
    };
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => socket.writable && socket.write('x'), 1000);
    });
  });
}

const slowPost = (url: string, extra = '') =>
  `POST /api/jobs HTTP/1.1\r\nHost: ${new URL(url).host}\r\nOrigin: ${url}\r\n${extra}Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 50000\r\n\r\n--b\r\n`;

describe('slow and unwanted bodies', () => {
  let open: TestStudio;
  let guarded: TestStudio;
  const log = memoryLogger();
  beforeAll(async () => {
    open = await startTestStudio({ connectionLimits: { requestTimeoutMs: 2000, maxConnectionsPerAddress: 8 }, logger: log.logger });
    guarded = await startTestStudio({ token: TOKEN });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('closes a body sent a byte a second once the request deadline passes', async () => {
    const { closedAfterMs } = await trickle(open.url, slowPost(open.url), 15_000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(6000);
  }, 20_000);

  it('answers 401 to an unauthenticated slow upload and closes its socket without reading the body', async () => {
    const { closedAfterMs, received } = await trickle(guarded.url, slowPost(guarded.url), 15_000);
    expect(received).toMatch(/^HTTP\/1\.1 401/);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(3000);
  }, 20_000);

  it('refuses a declared 2 GB body before reading it', async () => {
    const head = `POST /api/jobs HTTP/1.1\r\nHost: ${new URL(open.url).host}\r\nOrigin: ${open.url}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 2000000000\r\n\r\n`;
    const { closedAfterMs, received } = await trickle(open.url, head, 15_000);
    expect(received).toMatch(/^HTTP\/1\.1 413/);
    expect(closedAfterMs!).toBeLessThan(3000);
  }, 20_000);

  it('caps the sockets one address may hold', async () => {
    const { hostname, port } = new URL(open.url);
    const sockets = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<{ socket: Socket; closed: boolean }>((resolve) => {
            const socket = connect(Number(port), hostname);
            const state = { socket, closed: false };
            socket.on('close', () => (state.closed = true));
            socket.on('error', () => undefined);
            socket.on('connect', () => setTimeout(() => resolve(state), 300));
          }),
      ),
    );
    const closed = sockets.filter((s) => s.closed).length;
    for (const s of sockets) s.socket.destroy();
    expect(closed).toBe(4);
  });

  // Kind 10: a client that gives up mid-upload is logged at info, without a stack, not as an internal error.
  it('logs an aborted upload at info level', async () => {
    const { hostname, port } = new URL(open.url);
    // The sockets of the cap test above must have left the server's count first.
    await new Promise((r) => setTimeout(r, 1000));
    log.records.length = 0;
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(slowPost(open.url) + 'Content-Disposition: form-data; name="size"\r\n\r\n32\r\n--b\r\n');
        setTimeout(() => socket.destroy(), 300);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(log.records.filter((r) => (r.level as number) >= 40)).toEqual([]);
    expect(log.records.some((r) => r.level === 30 && r.msg === 'client aborted the request')).toBe(true);
  });
});
