// Every refusal of the JSON API has one shape, { error: { code, message } }, with the status that fits the code;
// message is the same sentence the chat bots send for the same problem.
import type { FastifyReply } from 'fastify';
import type { CommandReply, RefusalCode } from '../../../commands/types.js';
import { plainText } from './text.js';

const STATUS: Record<RefusalCode, number> = {
  quota: 429,
  too_large: 413,
  not_image: 400,
  invalid: 400,
  unknown_artist: 400,
  forbidden: 403,
  not_found: 404,
  internal: 500,
};

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });
}

/** A command's refusal as an HTTP answer. */
export function sendRefusal(reply: FastifyReply, answer: CommandReply & { code: RefusalCode }): FastifyReply {
  return sendError(reply, STATUS[answer.code], answer.code, plainText(answer.text));
}

/** A reply without a code that was expected to do something (e.g. queue a job) means the command hit a bug. */
export function sendUnexpected(reply: FastifyReply, answer: CommandReply): FastifyReply {
  return sendError(reply, 500, 'internal', plainText(answer.text));
}
