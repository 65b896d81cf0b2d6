// Every refusal of the JSON API has one shape, { error: { code, message } }, with the status that fits the code;
// message is the same sentence the chat bots send for the same problem.
import type { FastifyReply } from 'fastify';
import type { CommandReply } from '../../../commands/types.js';
import { outcome, type RefusalCode } from '../../errors/index.js';
import { plainText } from '../../../commands/reply.js';

/** The error id an apology names ("error id 1a2b3c4d"), so the API can give it as a field too. */
const ERROR_ID = /error id ([0-9a-f]{8})/;

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const retryAfter = status === 503 ? outcome('unavailable').retryAfterSeconds : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  const errorId = status >= 500 ? ERROR_ID.exec(message)?.[1] : undefined;
  // Refused before its body arrived (not logged in, not an admin): close the socket rather than wait for the body.
  if (!reply.request.raw.complete) reply.header('connection', 'close');
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error: { code, message, ...(errorId ? { errorId } : {}) } });
}

/** A refusal as an HTTP answer, with the status the outcome catalogue gives its kind. */
export function sendRefusal(reply: FastifyReply, answer: CommandReply & { code: RefusalCode }): FastifyReply {
  return sendError(reply, outcome(answer.code).status, answer.code, plainText(answer.text));
}

/** A reply without a code that was expected to do something (e.g. queue a job) means the command hit a bug. */
export function sendUnexpected(reply: FastifyReply, answer: CommandReply): FastifyReply {
  return sendError(reply, 500, 'internal', plainText(answer.text));
}
