// The buttons under a finished image: "New seed" re-runs the job with a fresh seed, "Stronger style" with twice
// the style weight and the same seed, "Upscale" paints it again at twice the size starting from the finished picture.
// Only the requester or an admin may press them.
import type { Job } from '../src/jobs/types.js';
import type { StylizeOptions } from '../src/options/types.js';
import { defaultStyleWeight } from '../src/engine/style-weight.js';
import { DEFAULT_OPTIONS, LIMITS } from '../src/engine/validate.js';
import { jobIdArg } from './args.js';
import { jobLabel } from './format.js';
import { code, mention, plain, say } from './reply.js';
import type { ActionButton, CommandContext, CommandReply, CommandRequest } from './types.js';

/** Button actions that queue a new job from a finished one (the adapters route them back as commands). */
export const RERUN_ACTIONS = ['rerun', 'stronger', 'upscale'] as const;

/** The buttons offered under a finished picture, in order. */
export function resultButtons(job: Job): ActionButton[] {
  return [
    { action: 'rerun', label: 'New seed', jobId: job.id },
    { action: 'stronger', label: 'Stronger style', jobId: job.id },
    { action: 'upscale', label: 'Upscale 2×', jobId: job.id },
  ];
}

export async function rerun(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  return rerunWith(request, context, 'new seed', () => ({ seed: newSeed() }));
}

export async function stronger(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  return rerunWith(request, context, 'stronger style', (job) => {
    const changes: Partial<StylizeOptions> = { styleWeight: styleWeightOf(job) * 2 };
    const seed = job.options.seed ?? job.result?.seed;
    if (seed !== undefined) changes.seed = seed;
    return changes;
  });
}

/**
 * Upscale: a new job at twice the finished picture's longest side (at most the user's size limit and 2048 px), one
 * scale, starting from the finished picture (options.init 'picture') rather than the photo, with half the original's
 * iterations (at least 1): the coarse picture already holds the composition, so the larger scale only refines, as
 * the last scale of a multi-scale run does. Same seed and style weight (the weight, if the default, follows the size).
 */
export async function upscale(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  return rerunWith(
    request,
    context,
    'upscale',
    async (job) => {
      if (job.state !== 'done' || !job.result) return 'Only a finished picture can be upscaled.';
      const { quota, role } = await context.jobs.quotaOf(request.requester);
      const limit = role === 'admin' ? LIMITS.size.max : Math.min(LIMITS.size.max, quota.maxSize);
      const current = Math.max(job.result.width, job.result.height);
      const size = Math.min(2 * current, limit);
      if (size <= current)
        return `This picture is already ${current} px on its longest side, the largest size you may ask for (${limit} px).`;
      const iterations = Math.max(1, Math.ceil(job.result.iterations / 2));
      return { size, iterations, scales: 1, init: 'picture', seed: job.result.seed };
    },
    true,
  );
}

async function rerunWith(
  request: CommandRequest,
  context: CommandContext,
  what: string,
  changesFor: (job: Job) => Partial<StylizeOptions> | string | Promise<Partial<StylizeOptions> | string>,
  fromResult = false,
): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  const job = jobId ? await context.jobs.get(jobId) : undefined;
  if (!jobId || !job)
    return {
      text: jobId ? say`That job (${code(jobId)}) no longer exists.` : say`That job no longer exists.`,
      private: true,
      code: 'not_found',
    };
  if (!(await context.jobs.can(request.requester, 'rerun', job.id))) {
    return {
      text: say`Only ${mention(job.userId)} (who asked for ${jobLabel(job)}) or an admin can use these buttons.`,
      private: true,
      code: 'forbidden',
    };
  }

  const changes = await changesFor(job);
  if (typeof changes === 'string') return { text: plain(changes), private: true, code: 'invalid' };
  const result = await context.jobs.rerun(job.id, request.requester, request.reply, changes, fromResult ? { result: true } : undefined);
  if (!result.ok) return { text: plain(result.message), private: true, code: result.reason };
  const details =
    changes.seed !== undefined && what === 'new seed'
      ? ` (seed ${changes.seed})`
      : what === 'upscale'
        ? ` to ${changes.size} px, starting from its picture, ${changes.iterations} iterations`
        : '';
  const again = what === 'upscale' ? say`${jobLabel(job)} upscaled` : say`${jobLabel(job)} again with a ${what}`;
  return {
    text: say`Job ${jobLabel(result.job)} queued: ${again}${details}, position ${result.position} in line.`,
    jobId: result.job.id,
    buttons: [{ action: 'cancel', label: 'Cancel', jobId: result.job.id }],
  };
}

/** The style weight a job ran with: its own, else its style strength times the default at its size. */
export function styleWeightOf(job: Job): number {
  return job.options.styleWeight ?? (job.options.styleStrength ?? 1) * defaultStyleWeight(job.options.size ?? DEFAULT_OPTIONS.size);
}

function newSeed(): number {
  return 1 + Math.floor(Math.random() * 2_147_483_646);
}
