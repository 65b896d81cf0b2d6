// The usual security headers on every answer (@fastify/helmet), with a Content-Security-Policy that allows what the
// studio's pages use and nothing else: its own script (/app.js), its one inline <style> (by hash), pictures from
// itself and data:/blob: URLs (previews and dropped files), requests to itself. /api/docs sets its own policy
// (@fastify/swagger-ui's static CSP) for swagger-ui's page.
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { STYLE_HASH } from './page.js';

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    // swagger-ui's plugin writes its own policy (hashes of its inline script and style) on its routes.
    enableCSPNonces: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", STYLE_HASH],
        'img-src': ["'self'", 'data:', 'blob:'],
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
      },
    },
    // The studio is served over http on loopback; HSTS is for the proxy that terminates TLS to decide.
    strictTransportSecurity: false,
    // Not helmet's "no-referrer": with it a browser sends "Origin: null" on form posts, which the same-origin check
    // of state-changing requests (auth.ts) must refuse. "same-origin" keeps the origin for ourselves only.
    referrerPolicy: { policy: 'same-origin' },
  });
}
