// How often one client may call the JSON API: `perMinute` requests a minute per personal token (or the operator's
// token), and per address for everyone else (the page's session, the person at the machine). Over it the answer is
// 429 rate_limited with Retry-After. Pages, /healthz and /metrics are not limited here.
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The error the plugin throws when a client is over its limit (server.ts answers it as 429 rate_limited). */
export class RateLimited extends Error {
  readonly statusCode = 429;
  readonly code = 'rate_limited';
}

/** The key a request is counted under: its token, else its address (X-Forwarded-For from a trusted proxy). */
export function rateKey(request: FastifyRequest): string {
  const credential = request.credential;
  if (credential?.bearer) return credential.tokenId ? `token:${credential.tokenId}` : 'operator';
  return `address:${request.ip}`;
}

/** Registers the limit; call after the identity hook (auth.ts), whose credential names the token. 0 = no limit. */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await app.register(fastifyRateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: rateKey,
    allowList: (request) => !request.url.startsWith('/api/'),
    errorResponseBuilder: (_request, context) =>
      new RateLimited(`Too many requests: at most ${context.max} a minute. Try again in ${Math.ceil(context.ttl / 1000)} s.`),
  });
}
