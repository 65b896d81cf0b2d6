// What Slack's HTTP receiver checks before Bolt sees a request: a body cap (answered 413 before anything is
// parsed), the request timestamp within 5 minutes either way, the v0 signature, and the shape of an event callback
// (a signed `event: null` is a 400, not a crash). Bolt checks the signature again; its own check lets a timestamp
// from the future through, and it reads any body whole.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.js';
import { readRequestBodyOr413 } from '../shared/capped-body.js';

/** Slack's events, commands and interactions are small; a few hundred KB is plenty (Slack caps its own at ~3 MB for files, which never come in bodies). */
export const SLACK_MAX_BODY_BYTES = 256 * 1024;
/** Slack's replay window: a request whose timestamp is further off than this, either way, is refused. */
export const SLACK_MAX_CLOCK_SKEW_S = 5 * 60;

export interface SlackGuardOptions {
  signingSecret: string;
  logger: Logger;
  maxBodyBytes?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** True when `signature` is v0=HMAC-SHA256(secret, "v0:TS:BODY") (Slack's request signing), compared in constant time. */
export function validSlackSignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Wraps Bolt's request listener: POST bodies are read with the cap (413), checked (401 for a stale or future
 * timestamp or a bad signature, 400 for a malformed body or event callback) and handed to Bolt already read.
 */
export function guardSlackRequests(next: RequestListener, options: SlackGuardOptions): RequestListener {
  const maxBytes = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const { logger } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return next(req, res);
    void (async () => {
      const body = await readRequestBodyOr413(req, res, maxBytes);
      if (body === null) {
        logger.warn(
          { platform: 'slack', path: req.url, contentLength: req.headers['content-length'] },
          'refused a request body over the limit (413)',
        );
        return;
      }
      const contentType = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      // Slack's ssl_check carries no signature; Bolt answers it and drops anything else in it.
      const form = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(body.toString('utf8')) : null;
      if (form?.get('ssl_check') !== '1') {
        const timestamp = String(req.headers['x-slack-request-timestamp'] ?? '');
        const signature = String(req.headers['x-slack-signature'] ?? '');
        const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
        if (!Number.isFinite(seconds) || Math.abs(now() / 1000 - seconds) > SLACK_MAX_CLOCK_SKEW_S) {
          logger.warn({ platform: 'slack', timestamp }, 'refused a request whose timestamp is missing or more than 5 minutes off');
          return answer(res, 401, 'Request timestamp missing or more than 5 minutes off.');
        }
        if (!validSlackSignature(options.signingSecret, timestamp, body, signature)) {
          logger.warn({ platform: 'slack' }, 'refused a request with a bad signature');
          return answer(res, 401, 'Bad signature.');
        }
        const problem = shapeProblem(body, contentType, form);
        if (problem) {
          logger.warn({ platform: 'slack', problem }, 'refused a malformed signed request (400)');
          return answer(res, 400, problem);
        }
      }
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
      next(req, res);
    })().catch((error: unknown) => {
      logger.error({ err: error, platform: 'slack' }, 'Slack request guard failed');
      if (!res.headersSent) answer(res, 500, 'Internal error.');
    });
  };
}

/** Why a signed body cannot be an event, command or interaction; undefined when it can. */
function shapeProblem(body: Buffer, contentType: string, form: URLSearchParams | null): string | undefined {
  let parsed: unknown;
  try {
    if (form) {
      const payload = form.get('payload');
      if (payload === null) return undefined; // a slash command: plain fields
      parsed = JSON.parse(payload);
    } else if (contentType === 'application/json') {
      parsed = JSON.parse(body.toString('utf8'));
    } else {
      return `Unsupported content type "${contentType}".`;
    }
  } catch {
    return 'The body is not valid JSON.';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'The body is not a JSON object.';
  const record = parsed as Record<string, unknown>;
  if (record.type === 'event_callback') {
    const event = record.event;
    if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof (event as { type?: unknown }).type !== 'string') {
      return 'An event_callback needs an event object with a type.';
    }
  }
  return undefined;
}
