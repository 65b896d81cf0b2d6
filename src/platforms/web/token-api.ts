// The studio's routes for personal API tokens (tokens.ts): a user lists, makes and revokes their own; an admin
// does so for anyone (`user` names whose). The secret is in the answer that makes a token, and nowhere else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenScope } from '../../jobs/ports.js';
import { sendError } from './errors.js';
import { type PersonalTokens, type TokenActor, TokenError, tokenView } from './tokens.js';

const actorOf = (request: FastifyRequest): TokenActor => ({ ...request.requester, scope: request.credential.scope });

/** Registers GET/POST /tokens and DELETE /tokens/:id under the caller's prefix (e.g. /api/v1). */
export async function registerTokenApi(app: FastifyInstance, tokens: PersonalTokens | undefined): Promise<void> {
  const refuse = (reply: FastifyReply, error: unknown): FastifyReply => {
    if (error instanceof TokenError) return sendError(reply, error.status, error.code, error.message);
    throw error;
  };
  const unavailable = (reply: FastifyReply) => sendError(reply, 404, 'not_found', 'This studio has no personal API tokens.');

  app.get('/tokens', async (request, reply) => {
    if (!tokens) return unavailable(reply);
    const { user } = request.query as { user?: string };
    try {
      const list = await tokens.list(actorOf(request), user === '*' ? null : (user ?? request.requester.userId));
      return { tokens: list.map(tokenView) };
    } catch (error) {
      return refuse(reply, error);
    }
  });

  app.post('/tokens', async (request, reply) => {
    if (!tokens) return unavailable(reply);
    const body = (request.body ?? {}) as { name?: unknown; scope?: unknown; user?: unknown };
    const user = typeof body.user === 'string' && body.user.trim() !== '' ? body.user.trim().toLowerCase() : request.requester.userId;
    const scope = (body.scope ?? 'jobs') as TokenScope;
    try {
      const made = await tokens.create(actorOf(request), user, typeof body.name === 'string' ? body.name : '', scope);
      return reply.code(201).header('cache-control', 'no-store').send({ token: made.token, ...tokenView(made.record) });
    } catch (error) {
      return refuse(reply, error);
    }
  });

  app.delete('/tokens/:id', async (request, reply) => {
    if (!tokens) return unavailable(reply);
    const { id } = request.params as { id: string };
    try {
      return { token: tokenView(await tokens.revoke(actorOf(request), id)) };
    } catch (error) {
      return refuse(reply, error);
    }
  });
}
