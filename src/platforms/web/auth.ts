// Who a studio request comes from, and whether it may come at all.
// - Loopback (the default): the person at this machine is the studio's admin ("local") and needs no login; another
//   name can be chosen on /login to act as an ordinary user. Requests must name a loopback Host, so a web page that
//   points its own domain at 127.0.0.1 (DNS rebinding) is refused.
// - Anywhere else: STYLEBOT_WEB_TOKEN is required (config.ts refuses to start without it) and every request carries
//   it, as `Authorization: Bearer TOKEN` or as the HttpOnly, SameSite=Strict session cookie /login sets.
// - State-changing requests (POST, DELETE ...) from a browser must come from the studio's own origin.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { isLoopbackHost } from '../../config.js';
import type { Requester } from '../../jobs/types.js';
import { sendError } from './errors.js';
import { loginPage } from './page.js';

export const STUDIO_WORKSPACE = 'studio';
/** The person at the machine (loopback) or the token holder: an admin through the service's admin list. */
export const LOCAL_USER = 'local';
const COOKIE = 'stylebot_session';
const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Paths a browser without a session may load in token mode. */
const OPEN_PATHS = new Set(['/login']);

declare module 'fastify' {
  interface FastifyRequest {
    requester: Requester;
  }
}

export interface AuthOptions {
  loopback: boolean;
  token?: string;
  /** The origin people open (STYLEBOT_WEB_ORIGIN); otherwise the request's own Host is the origin. */
  publicOrigin?: string;
}

/** Adds cookie parsing, the per-request identity and checks, and the /login and /logout routes. */
export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  // Sessions are signed: with the token when there is one (a cookie then proves the token was given), else with a
  // secret of this process (on loopback a session only picks a name; after a restart the page is "local" again).
  const secret = options.token ? createHmac('sha256', options.token).update('stylebot session').digest('hex') : randomBytes(32).toString('hex');
  await app.register(fastifyCookie, { secret });
  app.decorateRequest('requester', null as unknown as Requester);

  app.addHook('onRequest', async (request, reply) => {
    if (options.loopback && !isLoopbackHost(hostName(request.headers.host ?? ''))) {
      return sendError(reply, 403, 'forbidden', 'This studio answers only at 127.0.0.1 or localhost.');
    }
    const session = readSession(request);
    const bearer = bearerToken(request);
    const tokenOk = options.token !== undefined && bearer !== undefined && sameSecret(bearer, options.token);
    if (options.token !== undefined && !tokenOk && !session && !OPEN_PATHS.has(pathOf(request))) {
      if (request.method === 'GET' && acceptsHtml(request)) return reply.redirect('/login');
      return sendError(reply, 401, 'unauthorized', 'Log in first: send Authorization: Bearer STYLEBOT_WEB_TOKEN, or use the form at /login.');
    }
    if (!SAFE_METHODS.has(request.method) && !tokenOk && !sameOrigin(request, options)) {
      return sendError(reply, 403, 'forbidden', 'This request came from another web site, so it was refused.');
    }
    const userId = session?.user ?? LOCAL_USER;
    request.requester = { platform: 'web', workspaceId: STUDIO_WORKSPACE, userId, userName: userId };
  });

  app.get('/login', async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return loginPage({ needsToken: options.token !== undefined, user: readSession(request)?.user });
  });

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    const rawName = typeof body.name === 'string' ? body.name.trim().toLowerCase() : '';
    const wantsHtml = acceptsHtml(request);
    const refuse = (status: number, code: string, message: string) => {
      if (!wantsHtml) return sendError(reply, status, code, message);
      reply.code(status).type('text/html; charset=utf-8');
      return loginPage({ needsToken: options.token !== undefined, error: message });
    };
    if (options.token !== undefined && !sameSecret(token, options.token)) return refuse(401, 'unauthorized', 'That token is not right.');
    if (rawName !== '' && !NAME_PATTERN.test(rawName)) {
      return refuse(400, 'invalid', 'A name is 1 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit.');
    }
    const user = rawName || LOCAL_USER;
    reply.setCookie(COOKIE, JSON.stringify({ user }), {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: options.publicOrigin?.startsWith('https:') === true,
      maxAge: 30 * 86_400,
    });
    if (wantsHtml) return reply.redirect('/', 303);
    return { user };
  });

  app.post('/logout', async (request, reply) => {
    reply.clearCookie(COOKIE, { path: '/' });
    if (acceptsHtml(request)) return reply.redirect(options.token !== undefined ? '/login' : '/', 303);
    return { user: null };
  });
}

function readSession(request: FastifyRequest): { user: string } | undefined {
  const raw = request.cookies[COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  try {
    const parsed = JSON.parse(unsigned.value) as { user?: unknown };
    return typeof parsed.user === 'string' && NAME_PATTERN.test(parsed.user) ? { user: parsed.user } : undefined;
  } catch {
    return undefined;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Compares without leaking, through timing, how much of the secret was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'compare').update(given).digest();
  const b = createHmac('sha256', 'compare').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A browser names the page that sent a request in Origin (or at least in Sec-Fetch-Site); it must be ours. */
function sameOrigin(request: FastifyRequest, options: AuthOptions): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (options.publicOrigin && origin === options.publicOrigin) return true;
    const host = request.headers.host;
    return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
  }
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.replace(/:\d+$/, '');
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0]!;
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

