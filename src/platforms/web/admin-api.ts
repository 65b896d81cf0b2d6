// The studio's admin API: every job on every platform, quotas, the artist corpus, usage and the audit log.
// Changes go through the same commands as /quota, /artist and /cancel in chat (commands/), which call the job
// service's admin operations, which check the rights again and write the audit log: one implementation, three
// adapters. Reads use the same admin operations directly, since the page shows tables rather than chat text.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ArgValue } from '../../../commands/types.js';
import type { Platform } from '../../jobs/types.js';
import { adminTargetSchema, jobsQuerySchema, problemOf, QUOTA_ARGS, quotaBodySchema } from './admin-schemas.js';
import { answer, command, REFUSALS, type StudioDeps } from './api.js';
import {
  AdminJobsQuery,
  AdminQuotaAnswer,
  ArtistWork,
  AuditAnswer,
  AuditQuery,
  JobList,
  Message,
  QuotaBody,
  QuotaChanged,
  QuotaQuery,
  StatsAnswer,
  StatsQuery,
} from './schemas.js';
import { requireAdminScope } from './auth.js';
import { sendError } from './errors.js';
import { apiJob } from './job-view.js';
import { plainText } from '../../../commands/reply.js';
import { readUpload } from './uploads.js';

/** A user id that no platform gives out: its quota is the workspace's defaults. */
const NOBODY = '(defaults)';

/** The routes under PREFIX/admin (PREFIX: /api/v1, or the deprecated /api); a requester who is not an admin gets 403 for every one of them. */
export async function registerAdminApi(app: FastifyInstance, deps: StudioDeps): Promise<void> {
  const { jobs } = deps;

  // The guard belongs to the routes of this plugin (fastify encapsulation): it runs for whatever the router
  // matched here, however the path was spelt (/api/%61dmin/...), and before any body is read. The admin
  // operations check the role again themselves.
  await app.register(async (plain) => {
    const admin = plain.withTypeProvider<ZodTypeProvider>();
    admin.addHook('onRequest', async (request, reply) => {
      if (requireAdminScope(request, reply)) return reply;
      if ((await jobs.roleOf(request.requester)) !== 'admin') {
        return sendError(reply, 403, 'forbidden', 'Only Stylebot admins can use the admin pages.');
      }
    });

    const tags = ['admin'];
    admin.get(
      '/admin/jobs',
      { schema: { summary: 'Every job on every platform', tags, querystring: AdminJobsQuery, response: { 200: JobList, ...REFUSALS } } },
      async (request, reply) => {
        // The route schema documents the query; the store's own bounds (no NUL, a storable id) are checked here.
        const query = jobsQuerySchema.safeParse(request.query ?? {});
        if (!query.success) return sendError(reply, 400, 'invalid', problemOf(query.error));
        const { state, user } = query.data;
        const positions = new Map((await jobs.queue()).map((entry) => [entry.job.id, entry.position]));
        const list = await jobs.admin.listJobs(request.requester, { ...(state ? { state } : {}), ...(user ? { userId: user } : {}) });
        return { jobs: list.map((job) => apiJob(job, positions.get(job.id))) };
      },
    );

    admin.get(
      '/admin/quota',
      {
        schema: {
          summary: "A user's quota, usage and role (or a workspace's defaults)",
          tags,
          querystring: QuotaQuery,
          response: { 200: AdminQuotaAnswer, ...REFUSALS },
        },
      },
      async (request, reply) => {
        const target = targetOf(request, reply, false);
        if (!target) return reply;
        const { quota, usage, role } = await jobs.admin.showQuota(request.requester, { ...target, userId: target.userId ?? NOBODY });
        return { ...target, quota, usage: target.userId ? usage : null, role: target.userId ? role : null };
      },
    );

    admin.post(
      '/admin/quota',
      { schema: { summary: "Set a user's quota", tags, body: QuotaBody, response: { 200: QuotaChanged, ...REFUSALS } } },
      async (request, reply) => {
        const target = targetOf(request, reply, true);
        if (!target) return reply;
        const args = quotaArgs(request.body, reply);
        if (!args) return reply;
        const result = await command(
          deps,
          request.requester,
          'quota',
          { ...args, platform: target.platform, workspace: target.workspaceId, user: target.userId },
          {},
          'set',
        );
        return answerWithQuota(
          reply,
          result,
          async () => (await jobs.admin.showQuota(request.requester, { ...target, userId: target.userId! })).quota,
        );
      },
    );

    admin.post(
      '/admin/quota/reset',
      { schema: { summary: "Reset a user's usage today", tags, body: QuotaBody, response: { 200: Message, ...REFUSALS } } },
      async (request, reply) => {
        const target = targetOf(request, reply, true);
        if (!target) return reply;
        const result = await command(
          deps,
          request.requester,
          'quota',
          { platform: target.platform, workspace: target.workspaceId, user: target.userId },
          {},
          'reset',
        );
        return answer(deps, reply, result, false);
      },
    );

    admin.post(
      '/admin/defaults',
      { schema: { summary: "Set a workspace's default quota", tags, body: QuotaBody, response: { 200: QuotaChanged, ...REFUSALS } } },
      async (request, reply) => {
        const target = targetOf(request, reply, false);
        if (!target) return reply;
        const args = quotaArgs(request.body, reply);
        if (!args) return reply;
        const result = await command(
          deps,
          request.requester,
          'quota',
          { ...args, platform: target.platform, workspace: target.workspaceId },
          {},
          'defaults',
        );
        return answerWithQuota(
          reply,
          result,
          async () => (await jobs.admin.showQuota(request.requester, { ...target, userId: NOBODY })).quota,
        );
      },
    );

    admin.get(
      '/admin/stats',
      { schema: { summary: 'Usage per user and per day', tags, querystring: StatsQuery, response: { 200: StatsAnswer, ...REFUSALS } } },
      async (request) => {
        const { days } = request.query;
        return { days, ...(await jobs.admin.stats(request.requester, undefined, days)) };
      },
    );

    admin.get(
      '/admin/audit',
      { schema: { summary: 'The audit log, newest first', tags, querystring: AuditQuery, response: { 200: AuditAnswer, ...REFUSALS } } },
      async (request) => {
        const { limit } = request.query;
        return { entries: await jobs.admin.auditLog(request.requester, limit) };
      },
    );

    admin.post(
      '/admin/artists',
      {
        schema: {
          summary: 'Add a work to the artist corpus (multipart/form-data)',
          tags,
          consumes: ['multipart/form-data'],
          response: { 200: Message, ...REFUSALS },
        },
        config: { upload: 'artist' },
      },
      async (request, reply) => {
        const upload = await readUpload(request, deps.context.limits.maxImageBytes);
        const result = await command(deps, request.requester, 'artist', upload.args, upload.attachments, 'add');
        return answer(deps, reply, result, false);
      },
    );

    admin.delete(
      '/admin/artists/:artist/:work',
      { schema: { summary: 'Remove a work from the corpus', tags, params: ArtistWork, response: { 200: Message, ...REFUSALS } } },
      async (request, reply) => {
        const { artist, work } = request.params;
        const result = await command(deps, request.requester, 'artist', { name: artist, work }, {}, 'remove');
        return answer(deps, reply, result, false);
      },
    );
  });

  async function answerWithQuota(reply: FastifyReply, result: Awaited<ReturnType<typeof command>>, quota: () => Promise<unknown>) {
    if (result.code) return answer(deps, reply, result, false);
    return reply.send({ message: plainText(result.text), quota: await quota() });
  }
}

/** The quota values of a body (quotaBodySchema); answers 400 itself when one cannot be stored. */
function quotaArgs(body: unknown, reply: FastifyReply): Record<string, ArgValue> | undefined {
  const parsed = quotaBodySchema.safeParse(body ?? {});
  if (!parsed.success) {
    sendError(reply, 400, 'invalid', problemOf(parsed.error));
    return undefined;
  }
  const args: Record<string, ArgValue> = {};
  for (const name of QUOTA_ARGS) if (parsed.data[name] !== undefined) args[name] = parsed.data[name];
  return args;
}

/** platform + workspace (+ user) from the query or body; answers 400 itself when they are missing or wrong. */
function targetOf(
  request: FastifyRequest,
  reply: FastifyReply,
  needUser: boolean,
): { platform: Platform; workspaceId: string; userId?: string } | undefined {
  const source = { ...(request.query as Record<string, unknown>), ...((request.body ?? {}) as Record<string, unknown>) };
  const parsed = adminTargetSchema.safeParse(source);
  if (!parsed.success) {
    sendError(reply, 400, 'invalid', problemOf(parsed.error));
    return undefined;
  }
  const { platform, workspaceId, userId } = parsed.data;
  if (!workspaceId) {
    sendError(reply, 400, 'invalid', 'Which workspace? Give the Discord server id or the Slack team id.');
    return undefined;
  }
  if (needUser && !userId) {
    sendError(reply, 400, 'invalid', 'Which user? Give their id.');
    return undefined;
  }
  return { platform, workspaceId, ...(userId ? { userId } : {}) };
}
