// The studio's routes for personal API tokens (tokens.ts): a user lists, makes and revokes their own; an admin
// does so for anyone (`user` names whose). The secret is in the answer that makes a token, and nowhere else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { REFUSALS } from './api.js';
import { TokenCreate, TokenId, TokenList, TokenMade, TokenRevoked, TokensQuery } from './schemas.js';
import type { TokenScope } from '../../jobs/ports.js';
import { sendError } from './errors.js';
import { type PersonalTokens, type TokenActor, TokenError, tokenView } from './tokens.js';

const actorOf = (request: FastifyRequest): TokenActor => ({ ...request.requester, scope: request.credential.scope });

/** Registers GET/POST /tokens and DELETE /tokens/:id under the caller's prefix (e.g. /api/v1). */
export async function registerTokenApi(plain: FastifyInstance, tokens: PersonalTokens | undefined): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const tags = ['tokens'];
  const refuse = (reply: FastifyReply, error: unknown): FastifyReply => {
    if (error instanceof TokenError) return sendError(reply, error.status, error.code, error.message);
    throw error;
  };
  const unavailable = (reply: FastifyReply) => sendError(reply, 404, 'not_found', 'This studio has no personal API tokens.');

  app.get(
    '/tokens',
    {
      schema: {
        summary: "Your personal API tokens (an admin: anyone's)",
        tags,
        querystring: TokensQuery,
        response: { 200: TokenList, ...REFUSALS },
      },
    },
    async (request, reply) => {
      if (!tokens) return unavailable(reply);
      const { user } = request.query;
      try {
        const list = await tokens.list(actorOf(request), user === '*' ? null : (user ?? request.requester.userId));
        return { tokens: list.map(tokenView) };
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        summary: 'Make a token (the secret is in this answer only)',
        tags,
        body: TokenCreate,
        response: { 201: TokenMade, ...REFUSALS },
      },
    },
    async (request, reply) => {
      if (!tokens) return unavailable(reply);
      const body = request.body;
      const user = body.user !== undefined && body.user.trim() !== '' ? body.user.trim().toLowerCase() : request.requester.userId;
      try {
        const made = await tokens.create(actorOf(request), user, body.name, body.scope as TokenScope);
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ token: made.token, ...tokenView(made.record) });
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );

  app.delete(
    '/tokens/:id',
    { schema: { summary: 'Revoke a token', tags, params: TokenId, response: { 200: TokenRevoked, ...REFUSALS } } },
    async (request, reply) => {
      if (!tokens) return unavailable(reply);
      const { id } = request.params;
      try {
        return { token: tokenView(await tokens.revoke(actorOf(request), id)) };
      } catch (error) {
        return refuse(reply, error);
      }
    },
  );
}
