// Stylebot Studio: the bot in the browser. One fastify server for the page, its JSON API (api.ts, admin-api.ts),
// the job event streams, and the operator endpoints (ops.ts). It is an adapter like Discord's and Slack's: people
// are requesters on platform "web" and every action runs through commands/ and the shared JobService.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandContext } from '../../../commands/types.js';
import { isLoopbackHost } from '../../config.js';
import type { JobService } from '../../jobs/types.js';
import type { StylebotMetrics } from '../../metrics.js';
import { registerAdminApi } from './admin-api.js';
import { capConnectionsPerAddress, DEFAULT_CONNECTION_LIMITS, registerRequestDeadline, type ConnectionLimits } from './limits.js';
import { registerApi, type StudioDeps } from './api.js';
import { registerAuth } from './auth.js';
import { bundleClient } from './bundle.js';
import { sendError } from './errors.js';
import { JobStreams } from './job-stream.js';
import { registerOps, type ChatConnection } from './ops.js';
import { appPage } from './page.js';
import { API_PREFIX, registerOpenApi, registerOpenApiDocument } from './openapi.js';
import { stylebotVersion } from '../../reproduce/settings.js';
import { RateLimited, registerRateLimit } from './rate-limit.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerTokenApi } from './token-api.js';
import { Webhooks } from './webhooks.js';
import type { PersonalTokens } from './tokens.js';
import { UploadError } from './uploads.js';
import { failureOf, outcome } from '../../errors/index.js';
import { defaultLogger } from '../../logger.js';

/** What the multipart parser (busboy) says of a body that ends early or is not multipart: the client's fault. */
const MALFORMED_UPLOAD =
  /^(Part terminated early|Unexpected end of (form|multipart data)|Malformed part header|Multipart: Boundary not found)/i;

export interface StudioOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Required when host is not a loopback address (config.ts checks this at start). */
  token?: string;
  publicOrigin?: string;
  jobs: JobService;
  context: CommandContext;
  artistsDir: string;
  metrics: StylebotMetrics;
  /** The chat connections /readyz reports (may change after start, as bots connect). */
  connections?: () => ChatConnection[];
  /** Largest JSON or form body that is not an upload, in bytes (default 64 KiB); larger ones get 413. */
  bodyLimit?: number;
  /** Requests a minute to /api per token, or per address without one (default 600; 0 = no limit). */
  rateLimitPerMinute?: number;
  /** Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs); default none. */
  trustProxy?: string[];
  /** Completion webhooks (STYLEBOT_WEBHOOK_HOSTS and _SECRET); without them a callback_url is refused. */
  webhooks?: { hosts: string[]; secret: string };
  /** Personal API tokens (named users' credentials); without them only the machine and the operator exist. */
  tokens?: PersonalTokens;
  /** Request deadline, idle timeout and sockets per address (defaults: DEFAULT_CONNECTION_LIMITS). */
  connectionLimits?: Partial<Omit<ConnectionLimits, 'maxBodyBytes'>>;
}

export interface Studio {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/** True when `error` is the request stream ending because the client closed the connection mid-body. */
function clientAborted(error: Error & { code?: string }, raw: IncomingMessage): boolean {
  return (
    raw.destroyed &&
    !raw.complete &&
    (error.message === 'aborted' || error.code === 'ECONNRESET' || error.code === 'ERR_STREAM_PREMATURE_CLOSE')
  );
}

/** RFC 9745 Deprecation: the /api paths are deprecated since /api/v1 came (2026-12-04, as epoch seconds). */
const DEPRECATED_SINCE = `@${Date.UTC(2026, 11, 4) / 1000}`;

/** Builds the studio and starts listening; rejects when the port is taken (with the address in the message). */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const loopback = isLoopbackHost(options.host);
  if (!loopback && !options.token) throw new Error(`The studio needs STYLEBOT_WEB_TOKEN to listen on ${options.host}.`);
  const { maxImageBytes } = options.context.limits;
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    connectionTimeout: limits.idleTimeoutMs,
    logger: false,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
    forceCloseConnections: true,
  });
  capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress);
  // An upload is at most four images and some text fields; anything declared larger is refused unread.
  registerRequestDeadline(app, { requestTimeoutMs: limits.requestTimeoutMs, maxBodyBytes: 4 * maxImageBytes + 1024 * 1024 });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof UploadError) return sendError(reply, error.status, error.code, error.message);
    if (error instanceof RateLimited) return sendError(reply, 429, 'rate_limited', error.message);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where =
        error.validationContext === 'querystring'
          ? 'query'
          : error.validationContext === 'params'
            ? 'path'
            : (error.validationContext ?? 'request');
      const problems = error.validation.map(
        (issue) => `${issue.instancePath.slice(1) || where}: ${(issue.message ?? 'not valid').replace(/\.$/, '')}`,
      );
      return sendError(reply, 400, 'invalid', `The ${where} is not valid: ${problems.join('; ')}.`);
    }
    // Checked before the generic 413: these limits answer 413 too, and deserve their own sentence.
    if (error.code === 'FST_FILES_LIMIT' || error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_FIELDS_LIMIT') {
      return sendError(reply, 413, 'too_large', 'Too many files or fields: send one photo and at most three style images.');
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      return sendError(reply, 413, 'too_large', 'That request is too large.');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'invalid', error.message);
    }
    if (MALFORMED_UPLOAD.test(error.message)) {
      return sendError(reply, 400, 'invalid', 'The upload was cut short or is not valid multipart/form-data; send it again.');
    }
    // A client that hung up mid-upload is no fault of ours and needs no apology (there is no one to read it):
    // a line at info for the operator, not an error with a stack.
    if (clientAborted(error, _request.raw)) {
      (options.context.logger ?? defaultLogger()).info({ where: 'studio', url: _request.url }, 'client aborted the request');
      return reply;
    }
    // The one boundary for the studio: a store that is down or a service that is stopping is 503 (Retry-After),
    // anything else 500; both with an error id that the log line carries too.
    const failure = failureOf(error, options.context.logger ?? defaultLogger(), { where: 'studio', url: _request.url });
    return sendError(reply, outcome(failure.refusal).status, failure.refusal, failure.text);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `Nothing at ${request.method} ${request.url.split('?')[0]}.`),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    // A name given twice is ambiguous: refused (400) rather than the last value silently taken.
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body as string)) {
      if (Object.hasOwn(fields, name))
        return done(new UploadError(400, 'invalid', `The field "${name}" was sent more than once: send each field once.`), undefined);
      fields[name] = value;
    }
    done(null, fields);
  });
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxImageBytes, files: 4, fields: 40, fieldSize: 16 * 1024, parts: 48, headerPairs: 200 },
  });

  await registerAuth(app, { loopback, token: options.token, publicOrigin: options.publicOrigin, tokens: options.tokens });
  await registerRateLimit(app, options.rateLimitPerMinute ?? 600);
  await registerSecurityHeaders(app);
  const streams = new JobStreams(options.jobs);
  // The page shows a preview as soon as there is one: the engine may send one after any iteration, and the job
  // service's time throttle (STYLEBOT_PROGRESS_MS) decides how often. Chat keeps its own setting.
  const context: CommandContext = { ...options.context, defaults: { progressEvery: 1, ...options.context.defaults } };
  let baseUrl = options.publicOrigin ?? `http://${options.host}:${options.port}`;
  const webhooks = new Webhooks({ hosts: options.webhooks?.hosts ?? [], secret: options.webhooks?.secret ?? '', baseUrl: () => baseUrl });
  const detachWebhooks = webhooks.enabled ? webhooks.attach(options.jobs) : () => undefined;
  const deps: StudioDeps = { jobs: options.jobs, context, streams, artistsDir: options.artistsDir, webhooks };
  await registerOpenApi(app, stylebotVersion());
  await app.register(
    async (v1) => {
      await registerApi(v1, deps);
      await registerAdminApi(v1, deps);
      await registerTokenApi(v1, options.tokens);
    },
    { prefix: API_PREFIX },
  );
  // The paths before /api/v1 stay for a deprecation period: the same routes, each answer saying where they moved.
  await app.register(
    async (legacy) => {
      legacy.addHook('onSend', async (request, reply) => {
        reply.header('deprecation', DEPRECATED_SINCE);
        reply.header('link', `<${API_PREFIX}${request.url.slice('/api'.length)}>; rel="successor-version"`);
      });
      await registerApi(legacy, deps);
      await registerAdminApi(legacy, deps);
    },
    { prefix: '/api' },
  );
  registerOpenApiDocument(app);
  registerOps(app, options.jobs, options.metrics, options.connections ?? (() => []));

  const script = await bundleClient();
  const page = appPage();
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page));
  app.get('/app.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
  );

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    streams.close();
    detachWebhooks();
    await app.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${options.port} on ${options.host} is in use: set STYLEBOT_WEB_PORT to another port.`);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!options.publicOrigin) baseUrl = `http://${host}:${address.port}`;
  return {
    app,
    url: `http://${host}:${address.port}`,
    async close() {
      streams.close();
      detachWebhooks();
      await app.close();
    },
  };
}
