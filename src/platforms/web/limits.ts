// What one client can hold of the studio's server: a request must arrive whole within a deadline (a body sent a
// byte a second is cut off), a body is refused by its declared length before it is read, and one address may hold
// only so many sockets. Without these, a thousand slow uploads pin a thousand sockets and their memory.
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** A request (headers and body) must have arrived within this many ms, else its socket is closed. */
  requestTimeoutMs: number;
  /** A socket with no traffic at all for this many ms is closed (event streams send a heartbeat every 15 s). */
  idleTimeoutMs: number;
  /** Sockets one remote address may hold at once; the next one is closed as it connects. */
  maxConnectionsPerAddress: number;
  /** Largest body any route takes, in bytes; a larger Content-Length gets 413 before a byte is read. */
  maxBodyBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: Omit<ConnectionLimits, 'maxBodyBytes'> = {
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 60_000,
  maxConnectionsPerAddress: 128,
};

/** Counts sockets per remote address (on the server's 'connection' event) and closes those over the cap. */
export function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Adds, before any other hook: a 413 with Connection: close for a declared body over `maxBodyBytes`, and a deadline
 * by which the whole request must have arrived (IncomingMessage.complete); past it the socket is destroyed.
 */
export function registerRequestDeadline(app: FastifyInstance, limits: Pick<ConnectionLimits, 'requestTimeoutMs' | 'maxBodyBytes'>): void {
  app.addHook('onRequest', async (request, reply) => {
    const raw = request.raw;
    if (!raw.complete) {
      const timer = setTimeout(() => {
        if (!raw.complete) raw.socket.destroy();
      }, limits.requestTimeoutMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      raw.once('end', clear);
      raw.once('close', clear);
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limits.maxBodyBytes) {
      reply.header('connection', 'close');
      return reply
        .code(413)
        .header('cache-control', 'no-store')
        .send({ error: { code: 'too_large', message: 'That request is too large.' } });
    }
  });
}
