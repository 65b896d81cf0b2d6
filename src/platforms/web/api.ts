// The studio's JSON API for people (the page uses it, and so can scripts): jobs, their event stream and result,
// the artists, style distance and the option definitions. Every action goes through the same platform-neutral
// commands as Discord and Slack (commands/), so checks, limits and messages are theirs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { COMMAND_NAMES, runCommand } from '../../../commands/index.js';
import type { ArgValue, Attachment, CommandContext, CommandReply } from '../../../commands/types.js';
import { decodeImage, encodePng, imageMediaType } from '../../images/index.js';
import { readSettings } from '../../reproduce/settings.js';
import type { Job, JobEvent, JobService, Requester } from '../../jobs/types.js';
import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { sendError, sendRefusal, sendUnexpected } from './errors.js';
import { apiJob, positionOf } from './job-view.js';
import type { JobStreams } from './job-stream.js';
import { optionFields } from './options-form.js';
import { plainText } from '../../../commands/reply.js';
import { readUpload, UploadError } from './uploads.js';
import { type Webhooks, WebhookRefused } from './webhooks.js';
import {
  ArtistWork,
  Artists,
  Cancelled,
  ErrorBody,
  JobAccepted,
  JobAction,
  JobId,
  JobList,
  JobsQuery,
  JobView,
  Me,
  Message,
  OptionsAnswer,
  ResultQuery,
  SettingsAnswer,
} from './schemas.js';

/** Binary answers, documented by media type (they are sent as bytes, not serialised). */
const png = { description: 'The picture', content: { 'image/png': { schema: ErrorBody.shape.error.shape.message } } };
const image = {
  description: 'The newest preview (JPEG or PNG)',
  content: { 'image/jpeg': { schema: ErrorBody.shape.error.shape.message } },
};
const eventStream = {
  description: 'text/event-stream of the job',
  content: { 'text/event-stream': { schema: ErrorBody.shape.error.shape.message } },
};
/** The refusals every route may answer (besides its own), as ErrorBody. */
export const REFUSALS = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
} as const;

export interface StudioDeps {
  jobs: JobService;
  context: CommandContext;
  streams: JobStreams;
  /** The artist corpus folder (thumbnails are read from it, for names the job service lists). */
  artistsDir: string;
  /** Completion webhooks: checks a job's callback_url (absent: a callback_url is refused). */
  webhooks?: Webhooks;
}

/** Where a studio job's progress goes: the studio itself (the job core stores it with the job). */
const WEB_REPLY = { studio: true };
const FINAL = new Set(['done', 'failed', 'cancelled']);
const THUMBNAIL_SIDE = 160;
const HEARTBEAT_MS = 15_000;

/** Runs one command as the request's user. */
export function command(
  deps: StudioDeps,
  requester: Requester,
  name: string,
  args: Record<string, ArgValue | undefined> = {},
  attachments: Record<string, Attachment> = {},
  subcommand?: string,
  reply: Record<string, unknown> = WEB_REPLY,
): Promise<CommandReply> {
  return runCommand({ requester, command: name, ...(subcommand ? { subcommand } : {}), args, attachments, reply }, deps.context);
}

/** The owner of a job, or an admin, may see and change it (the job core checks changes again). */
export async function mayView(jobs: JobService, job: Job, requester: Requester): Promise<boolean> {
  return jobs.can(requester, 'manage', job.id);
}

/** Answers a command: a refusal with its status, a queued job with 202, anything else with its message. */
export async function answer(deps: StudioDeps, reply: FastifyReply, result: CommandReply, expectJob: boolean): Promise<FastifyReply> {
  if (result.code) return sendRefusal(reply, { ...result, code: result.code });
  if (result.jobId) {
    const job = await deps.jobs.get(result.jobId);
    if (!job) return sendUnexpected(reply, result);
    const view = apiJob(job, await positionOf(deps.jobs, job.id));
    // The command's text gives the place in line at enqueue time; a job that started since then is told as such.
    const message =
      job.state === 'queued'
        ? plainText(result.text)
        : `Job ${job.id} accepted: it is ${job.state === 'running' ? 'painting now' : job.state}.`;
    return reply.code(202).send({ id: job.id, state: job.state, position: view.position, message, job: view });
  }
  if (expectJob) return sendUnexpected(reply, result);
  return reply.send({ message: plainText(result.text) });
}

/**
 * The people's routes, relative to the caller's prefix (/api/v1, and the deprecated /api). Refusals answer
 * { error: { code, message } } (schemas.ts ErrorBody) with 400, 401, 403, 404, 413, 429, 500 or 503; a job that was
 * queued answers 202 { id, state, position, job }.
 */
export async function registerApi(plain: FastifyInstance, deps: StudioDeps): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { jobs, context } = deps;
  const thumbnails = new Map<string, Uint8Array>();

  const findJob = async (request: { params: { id: string }; requester: Requester }, reply: FastifyReply): Promise<Job | undefined> => {
    const { id } = request.params;
    const job = await jobs.get(id);
    if (!job || !(await mayView(jobs, job, request.requester))) {
      sendError(reply, 404, 'not_found', `There is no job \`${id}\` of yours.`);
      return undefined;
    }
    return job;
  };

  app.get(
    '/options',
    {
      schema: {
        summary: 'Every stylize option with its type, range, default and help',
        tags: ['jobs'],
        response: { 200: OptionsAnswer, ...REFUSALS },
      },
    },
    async () => ({
      fields: optionFields(context.defaults),
      defaults: {
        size: context.defaults.size,
        iterations: context.defaults.iterations,
        ...(context.defaults.budget ? { budget: context.defaults.budget } : {}),
      },
      limits: { ...context.limits, maxStyles: 3 },
    }),
  );

  app.get(
    '/me',
    { schema: { summary: 'Who you are, your role, quota and usage today', tags: ['jobs'], response: { 200: Me, ...REFUSALS } } },
    async (request) => {
      const { quota, usage, role } = await jobs.quotaOf(request.requester);
      const { userId, platform, workspaceId } = request.requester;
      return { user: userId, platform, workspace: workspaceId, role, quota, usage };
    },
  );

  app.post(
    '/jobs',
    {
      schema: {
        summary: 'Paint a picture (multipart/form-data)',
        tags: ['jobs'],
        consumes: ['multipart/form-data'],
        response: { 202: JobAccepted, ...REFUSALS },
      },
      config: { upload: 'job' },
    },
    async (request, reply) => {
      const upload = await readUpload(request, context.limits.maxImageBytes);
      // The job's reply target carries its callback URL, so the outbox's delivery of its end reaches webhooks.ts.
      const { callback_url: callback, ...args } = upload.args;
      let target: Record<string, unknown> = WEB_REPLY;
      if (callback !== undefined) {
        try {
          if (!deps.webhooks) throw new WebhookRefused('This Stylebot sends no webhooks.');
          target = { ...WEB_REPLY, callbackUrl: deps.webhooks.check(String(callback)) };
        } catch (error) {
          if (error instanceof WebhookRefused) return sendError(reply, 400, 'invalid', error.message);
          throw error;
        }
      }
      const result = await command(deps, request.requester, 'stylize', args, upload.attachments, undefined, target);
      return answer(deps, reply, result, true);
    },
  );

  app.get(
    '/jobs',
    { schema: { summary: 'Your jobs, newest first', tags: ['jobs'], querystring: JobsQuery, response: { 200: JobList, ...REFUSALS } } },
    async (request) => {
      const { limit } = request.query;
      const positions = new Map((await jobs.queue()).map((entry) => [entry.job.id, entry.position]));
      return { jobs: (await jobs.jobsOf(request.requester, limit)).map((job) => apiJob(job, positions.get(job.id))) };
    },
  );

  app.get(
    '/jobs/:id',
    { schema: { summary: 'One job', tags: ['jobs'], params: JobId, response: { 200: JobView, ...REFUSALS } } },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      return apiJob(job, await positionOf(jobs, job.id));
    },
  );

  app.get(
    '/jobs/:id/result',
    {
      schema: {
        summary: "A finished job's PNG",
        tags: ['jobs'],
        params: JobId,
        querystring: ResultQuery,
        response: { 200: png, ...REFUSALS },
      },
    },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      const png = job.state === 'done' ? await jobs.resultImage(job.id) : undefined;
      if (!png) {
        const why = job.state === 'done' ? 'its picture is no longer kept' : `it is ${job.state}`;
        return sendError(reply, 404, 'not_found', `Job ${job.id} has no picture: ${why}.`);
      }
      const download = request.query.download !== undefined;
      reply.type('image/png').header('cache-control', 'private, max-age=3600');
      if (download) reply.header('content-disposition', `attachment; filename="stylebot-${job.id}.png"`);
      return (reply as FastifyReply).send(Buffer.from(png));
    },
  );

  app.get(
    '/jobs/:id/preview',
    { schema: { summary: "A running job's newest preview", tags: ['jobs'], params: JobId, response: { 200: image, ...REFUSALS } } },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      const preview = deps.streams.preview(job.id);
      if (!preview) return sendError(reply, 404, 'not_found', `Job ${job.id} has no preview yet.`);
      return (reply as FastifyReply)
        .type(imageMediaType(preview) ?? 'application/octet-stream')
        .header('cache-control', 'no-store')
        .send(Buffer.from(preview));
    },
  );

  app.get(
    '/jobs/:id/events',
    { schema: { summary: "A job's events as they happen", tags: ['jobs'], params: JobId, response: { 200: eventStream, ...REFUSALS } } },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      streamEvents(deps, request, reply, job);
      return reply;
    },
  );

  app.delete(
    '/jobs/:id',
    { schema: { summary: 'Cancel a job', tags: ['jobs'], params: JobId, response: { 200: Cancelled, ...REFUSALS } } },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      const result = await command(deps, request.requester, 'cancel', { jobId: job.id });
      if (result.code) return sendRefusal(reply, { ...result, code: result.code });
      const after = (await jobs.get(job.id)) ?? job;
      return { message: plainText(result.text), job: apiJob(after, await positionOf(jobs, job.id)) };
    },
  );

  // The buttons under a job (New seed, Stronger style, Cancel, and whatever commands/progress.ts offers).
  app.post(
    '/jobs/:id/actions/:action',
    {
      schema: {
        summary: 'A button of a job (rerun, stronger, upscale, cancel)',
        tags: ['jobs'],
        params: JobAction,
        response: { 200: Message, 202: JobAccepted, ...REFUSALS },
      },
    },
    async (request, reply) => {
      const job = await findJob(request, reply);
      if (!job) return reply;
      const { action } = request.params;
      // Any command a button may name (rerun, stronger, cancel, and what commands/ adds later); nothing else.
      if (!COMMAND_NAMES.includes(action)) return sendError(reply, 400, 'invalid', `Unknown action "${action}".`);
      const result = await command(deps, request.requester, action, { jobId: job.id });
      return answer(deps, reply, result, false);
    },
  );

  app.get(
    '/artists',
    { schema: { summary: 'The artist corpus with thumbnail URLs', tags: ['jobs'], response: { 200: Artists, ...REFUSALS } } },
    async () => ({
      artists: jobs.artists().map((artist) => ({
        name: artist.name,
        works: artist.works.map((work) => ({
          file: work,
          thumbnail: `/api/v1/artists/${encodeURIComponent(artist.name)}/${encodeURIComponent(work)}/thumbnail`,
        })),
      })),
    }),
  );

  // Only names the job service lists reach the file system, and the path must stay inside the corpus folder.
  app.get(
    '/artists/:artist/:work/thumbnail',
    { schema: { summary: 'A thumbnail of a work', tags: ['jobs'], params: ArtistWork, response: { 200: png, ...REFUSALS } } },
    async (request, reply) => {
      const { artist, work } = request.params;
      const known = jobs
        .artists()
        .find((a) => a.name === artist)
        ?.works.includes(work);
      const root = resolve(deps.artistsDir);
      const path = resolve(root, artist, work);
      if (!known || !path.startsWith(root + sep)) return sendError(reply, 404, 'not_found', `There is no work "${work}" by ${artist}.`);
      const key = `${artist}/${work}`;
      let png = thumbnails.get(key);
      if (!png) {
        png = await encodePng(await decodeImage(readFileSync(join(root, artist, work)), { longestSide: THUMBNAIL_SIDE }));
        thumbnails.set(key, png);
      }
      return (reply as FastifyReply).type('image/png').header('cache-control', 'private, max-age=600').send(Buffer.from(png));
    },
  );

  app.post(
    '/compare',
    {
      schema: {
        summary: 'Style distance of two images (multipart/form-data)',
        tags: ['jobs'],
        consumes: ['multipart/form-data'],
        response: { 200: Message, ...REFUSALS },
      },
      config: { upload: 'compare' },
    },
    async (request, reply) => {
      const upload = await readUpload(request, context.limits.maxImageBytes);
      const result = await command(deps, request.requester, 'compare', upload.args, upload.attachments);
      return answer(deps, reply, result, false);
    },
  );

  // The settings a Stylebot PNG carries (src/reproduce/settings.ts): the studio shows them for a dropped picture.
  app.post(
    '/settings',
    {
      schema: {
        summary: 'The settings a Stylebot PNG carries (multipart/form-data)',
        tags: ['jobs'],
        consumes: ['multipart/form-data'],
        response: { 200: SettingsAnswer, ...REFUSALS },
      },
      config: { upload: 'settings' },
    },
    async (request, reply) => {
      const { attachments } = await readUpload(request, context.limits.maxImageBytes);
      const image = attachments.image;
      if (!image) return sendError(reply, 400, 'invalid', 'Send the picture as the file field `image`.');
      let settings;
      try {
        settings = readSettings(await image.fetch());
      } catch (error) {
        return sendError(reply, 400, 'invalid', `The Stylebot settings in ${image.name} are damaged: ${(error as Error).message}.`);
      }
      if (!settings)
        return sendError(reply, 400, 'no_settings', `${image.name} carries no Stylebot settings: only PNGs that Stylebot painted do.`);
      return { settings };
    },
  );
}

/** text/event-stream of one job: a snapshot first, then each event, and the end. */
function streamEvents(deps: StudioDeps, request: FastifyRequest, reply: FastifyReply, job: Job): void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  const send = (event: string, data: unknown) => {
    if (!closed) out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const previewUrl = (bytes: Uint8Array | undefined) =>
    bytes ? `data:${imageMediaType(bytes) ?? 'application/octet-stream'};base64,${Buffer.from(bytes).toString('base64')}` : undefined;
  // Positions are read from the store: the writes go out in order through one chain.
  let writes = Promise.resolve();
  const inOrder = (write: () => Promise<void>) => {
    writes = writes.then(write).catch(() => finish());
  };
  const snapshot = async (current: Job) => {
    send('job', { job: apiJob(current, await positionOf(deps.jobs, current.id)), preview: previewUrl(deps.streams.preview(current.id)) });
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(timer);
    out.end();
  };

  let unsubscribe = () => {};
  let timer: NodeJS.Timeout;
  if (job.platform === 'web') {
    unsubscribe = deps.streams.subscribe(job.id, (current: Job, event: JobEvent) => {
      const preview = event.type === 'progress' ? previewUrl(event.preview) : undefined;
      inOrder(async () => {
        send(event.type, { job: apiJob(current, await positionOf(deps.jobs, current.id)), ...(preview ? { preview } : {}) });
        if (FINAL.has(event.type)) finish();
      });
    });
    timer = setInterval(() => !closed && out.write(': keep-alive\n\n'), HEARTBEAT_MS);
  } else {
    // Jobs of Discord and Slack (an admin watching) have their events delivered to those bots; read the store.
    let last = '';
    timer = setInterval(() => {
      inOrder(async () => {
        const current = await deps.jobs.get(job.id);
        if (!current) return finish();
        const seen = `${current.state}:${current.progress?.iteration ?? ''}`;
        if (seen !== last) {
          last = seen;
          await snapshot(current);
        }
        if (FINAL.has(current.state)) finish();
      });
    }, 1000);
  }
  request.raw.on('close', finish);
  inOrder(async () => {
    const current = (await deps.jobs.get(job.id)) ?? job;
    await snapshot(current);
    if (FINAL.has(current.state)) finish();
  });
}

export { UploadError };
