// Who a studio request comes from, and whether it may come at all. Exactly these identities exist:
// - The person at the machine (loopback only, the default): a request without any credential is the studio's admin
//   "local". Loopback requests must name a loopback Host, so a web page that points its own domain at 127.0.0.1
//   (DNS rebinding) is refused. On /login they may choose a name to act as an ordinary user (an admin's choice: the
//   same person can drop the cookie and be the admin again).
// - The operator: whoever presents STYLEBOT_WEB_TOKEN (required off loopback), as `Authorization: Bearer` or through
//   the /login form's session cookie. The shared token means the operator ("local", an admin) and nobody else.
// - A named user: whoever presents one of that user's personal API tokens (tokens.ts), as `Authorization: Bearer` on
//   loopback and elsewhere alike, or through /login (the cookie then lives as long as the token is not revoked).
//   A "jobs" token reaches the people's API; an "admin" token the admin API too, while its user is an admin.
// - State-changing requests (POST, DELETE ...) from a browser must come from the studio's own origin; a bearer
//   request is not a browser's (a page cannot attach the header without knowing the token).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { isLoopbackHost } from '../../config.js';
import type { TokenScope } from '../../jobs/ports.js';
import type { Requester } from '../../jobs/types.js';
import { sendError } from './errors.js';
import { loginPage } from './page.js';
import { USER_NAME as NAME_PATTERN, type PersonalTokens } from './tokens.js';

export const STUDIO_WORKSPACE = 'studio';
/** The person at the machine (loopback) or the operator (STYLEBOT_WEB_TOKEN): an admin through the service's admin list. */
export const LOCAL_USER = 'local';
const COOKIE = 'stylebot_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Paths a browser without a session may load in token mode. */
const OPEN_PATHS = new Set(['/login']);

/** How a request proved who it is. */
export interface Credential {
  kind: 'machine' | 'operator' | 'token';
  /** What it may reach: "admin" for the machine and the operator; a token's own scope. */
  scope: TokenScope;
  /** The personal token's id (kind "token"). */
  tokenId?: string;
  /** True for an `Authorization: Bearer` request (rate limits count per token; no browser origin check). */
  bearer: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    requester: Requester;
    credential: Credential;
  }
}

export interface AuthOptions {
  loopback: boolean;
  token?: string;
  /** The origin people open (STYLEBOT_WEB_ORIGIN); otherwise the request's own Host is the origin. */
  publicOrigin?: string;
  /** Personal API tokens; without them only the machine and the operator exist. */
  tokens?: PersonalTokens;
}

interface Session {
  user: string;
  /** Set when the session was opened with a personal token: valid while that token is. */
  tokenId?: string;
}

/** 403 for a request whose credential's scope does not reach admin routes (a "jobs" token). */
export function requireAdminScope(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if (request.credential.scope !== 'admin') {
    return sendError(reply, 403, 'forbidden', 'This API token has scope "jobs": the admin API needs a token with scope "admin".');
  }
  return undefined;
}

const asRequester = (userId: string): Requester => ({ platform: 'web', workspaceId: STUDIO_WORKSPACE, userId, userName: userId });

/** Adds cookie parsing, the per-request identity and checks, and the /login and /logout routes. */
export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  // Sessions are signed: with the token when there is one (a cookie then proves the token was given), else with a
  // secret of this process (on loopback a session only picks a name; after a restart the page is "local" again).
  const secret = options.token
    ? createHmac('sha256', options.token).update('stylebot session').digest('hex')
    : randomBytes(32).toString('hex');
  await app.register(fastifyCookie, { secret });
  app.decorateRequest('requester', null as unknown as Requester);
  app.decorateRequest('credential', null as unknown as Credential);

  app.addHook('onRequest', async (request, reply) => {
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      if (options.token !== undefined && sameSecret(bearer, options.token)) {
        request.requester = asRequester(LOCAL_USER);
        request.credential = { kind: 'operator', scope: 'admin', bearer: true };
        return;
      }
      const record = await options.tokens?.resolve(bearer);
      if (!record) return sendError(reply, 401, 'unauthorized', 'That API token is not valid: it is mistyped, or it was revoked.');
      request.requester = asRequester(record.user.userId);
      request.credential = { kind: 'token', scope: record.scope, tokenId: record.id, bearer: true };
      return;
    }
    if (options.loopback && !isLoopbackHost(hostName(request.headers.host ?? ''))) {
      return sendError(reply, 403, 'forbidden', 'This studio answers only at 127.0.0.1 or localhost.');
    }
    const { session, scope } = (await liveSession(request, options)) ?? {};
    if (options.token !== undefined && !session && !OPEN_PATHS.has(pathOf(request))) {
      if (request.method === 'GET' && acceptsHtml(request)) return reply.redirect('/login');
      return sendError(
        reply,
        401,
        'unauthorized',
        'Log in first: send Authorization: Bearer with your API token (or STYLEBOT_WEB_TOKEN), or use the form at /login.',
      );
    }
    if (!SAFE_METHODS.has(request.method) && !sameOrigin(request, options)) {
      return sendError(reply, 403, 'forbidden', 'This request came from another web site, so it was refused.');
    }
    const userId = session?.user ?? LOCAL_USER;
    request.requester = asRequester(userId);
    if (session?.tokenId !== undefined) {
      request.credential = { kind: 'token', scope: scope ?? 'jobs', tokenId: session.tokenId, bearer: false };
    } else {
      request.credential = { kind: options.token !== undefined ? 'operator' : 'machine', scope: 'admin', bearer: false };
    }
  });

  app.get('/login', async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return loginPage({ needsToken: options.token !== undefined, user: (await liveSession(request, options))?.session.user });
  });

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const rawName = typeof body.name === 'string' ? body.name.trim().toLowerCase() : '';
    const wantsHtml = acceptsHtml(request);
    const refuse = (status: number, code: string, message: string) => {
      if (!wantsHtml) return sendError(reply, status, code, message);
      reply.code(status).type('text/html; charset=utf-8');
      return loginPage({ needsToken: options.token !== undefined, error: message });
    };
    let session: Session;
    if (token !== '' && options.token !== undefined && sameSecret(token, options.token)) {
      if (rawName !== '' && rawName !== LOCAL_USER) {
        return refuse(
          400,
          'invalid',
          'The studio token logs in the operator only. Named users log in with their own API token (an admin makes one).',
        );
      }
      session = { user: LOCAL_USER };
    } else if (token !== '') {
      const record = await options.tokens?.resolve(token);
      if (!record) return refuse(401, 'unauthorized', 'That token is not right.');
      session = { user: record.user.userId, tokenId: record.id };
    } else if (options.token !== undefined) {
      return refuse(401, 'unauthorized', 'That token is not right.');
    } else {
      // Loopback without a token: the person at the machine (the admin) chooses to act as an ordinary user.
      if (rawName !== '' && !NAME_PATTERN.test(rawName)) {
        return refuse(400, 'invalid', 'A name is 1 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit.');
      }
      session = { user: rawName || LOCAL_USER };
    }
    reply.setCookie(COOKIE, JSON.stringify(session), {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: options.publicOrigin?.startsWith('https:') === true,
      maxAge: 30 * 86_400,
    });
    if (wantsHtml) return reply.redirect('/', 303);
    return { user: session.user };
  });

  app.post('/logout', async (request, reply) => {
    reply.clearCookie(COOKIE, { path: '/' });
    if (acceptsHtml(request)) return reply.redirect(options.token !== undefined ? '/login' : '/', 303);
    return { user: null };
  });
}

/** The request's session when its cookie is ours and, for a session opened with a personal token, that token lives. */
async function liveSession(request: FastifyRequest, options: AuthOptions): Promise<{ session: Session; scope?: TokenScope } | undefined> {
  const session = readSession(request);
  if (session?.tokenId === undefined) return session && { session };
  const record = await options.tokens?.live(session.tokenId);
  return record && record.user.userId === session.user ? { session, scope: record.scope } : undefined;
}

function readSession(request: FastifyRequest): Session | undefined {
  const raw = request.cookies[COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  try {
    const parsed = JSON.parse(unsigned.value) as { user?: unknown; tokenId?: unknown };
    if (typeof parsed.user !== 'string' || !NAME_PATTERN.test(parsed.user)) return undefined;
    return typeof parsed.tokenId === 'string' ? { user: parsed.user, tokenId: parsed.tokenId } : { user: parsed.user };
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
