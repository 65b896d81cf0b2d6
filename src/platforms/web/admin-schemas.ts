// One zod schema per body (and query) of the studio's admin API (admin-api.ts). Ids and quota values use the job
// core's definitions (storedIdSchema, quotaValueSchema in src/jobs/admin.ts), which hold them to what both stores
// keep: a workspace given as an object, a NUL byte in a user id or a quota past 2^31-1 is a 400 here, never a
// value the store misreads or refuses.
import { z } from 'zod';
import { quotaValueSchema, storedIdSchema } from '../../jobs/admin.js';
import type { JobState, Platform } from '../../jobs/types.js';

const STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];
const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'web', 'cli'];
/** Names the quota commands take (commands/quota.ts). */
export const QUOTA_ARGS = ['jobs_per_day', 'gpu_seconds_per_day', 'max_queued', 'max_size', 'max_iterations'] as const;

/** An optional field: absent, null or blank text count as not given. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v), schema.optional());

/** Whose settings: platform (default web), workspace (default "studio" on web), user. */
export const adminTargetSchema = z
  .object({
    platform: optional(z.enum(PLATFORMS, { error: `platform must be one of ${PLATFORMS.join(', ')}` })),
    workspace: optional(storedIdSchema('workspace')),
    user: optional(storedIdSchema('user id')),
  })
  .transform(({ platform = 'web', workspace, user }) => ({
    platform,
    workspaceId: workspace ?? (platform === 'web' ? 'studio' : undefined),
    userId: user,
  }));

/** POST /api/admin/quota and /api/admin/defaults: the target and the quota values to set (numbers or digits). */
export const quotaBodySchema = z.object({
  jobs_per_day: optional(quotaValueSchema('jobs_per_day')),
  gpu_seconds_per_day: optional(quotaValueSchema('gpu_seconds_per_day')),
  max_queued: optional(quotaValueSchema('max_queued')),
  max_size: optional(quotaValueSchema('max_size')),
  max_iterations: optional(quotaValueSchema('max_iterations')),
});

/** GET /api/admin/jobs: an optional state and user. */
export const jobsQuerySchema = z.object({
  state: optional(z.enum(STATES, { error: `state must be one of ${STATES.join(', ')}` })),
  user: optional(storedIdSchema('user id')),
});

/** The first problem of a failed parse, as one sentence for the sender. */
export function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.message ?? 'That request cannot be used'}.`;
}
