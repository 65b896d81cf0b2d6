// The buttons under a finished image: "New seed" re-runs the job with a fresh seed, "Stronger style" with twice
// the style weight and the same seed. Only the requester or an admin may press them.
import type { Job } from '../src/jobs/types.js';
import type { StylizeOptions } from '../src/engine/types.js';
import { DEFAULT_OPTIONS } from '../src/engine/validate.js';
import { jobIdArg } from './args.js';
import { jobLabel } from './format.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function rerun(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  return rerunWith(request, context, 'new seed', () => ({ seed: newSeed() }));
}

export async function stronger(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  return rerunWith(request, context, 'stronger style', (job) => {
    const changes: Partial<StylizeOptions> = { styleWeight: (job.options.styleWeight ?? DEFAULT_OPTIONS.styleWeight) * 2 };
    const seed = job.options.seed ?? job.result?.seed;
    if (seed !== undefined) changes.seed = seed;
    return changes;
  });
}

async function rerunWith(
  request: CommandRequest,
  context: CommandContext,
  what: string,
  changesFor: (job: Job) => Partial<StylizeOptions>,
): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  const job = jobId ? await context.jobs.get(jobId) : undefined;
  if (!jobId || !job) return { text: `That job${jobId ? ` (\`${jobId}\`)` : ''} no longer exists.`, private: true };
  if (!(await context.jobs.can(request.requester, 'rerun', job.id))) {
    return { text: `Only <@${job.userId}> (who asked for ${jobLabel(job)}) or an admin can use these buttons.`, private: true };
  }

  const changes = changesFor(job);
  const result = await context.jobs.rerun(job.id, request.requester, request.reply, changes);
  if (!result.ok) return { text: result.message, private: true };
  const details = changes.seed !== undefined && what === 'new seed' ? ` (seed ${changes.seed})` : '';
  return {
    text: `Job ${jobLabel(result.job)} queued: ${jobLabel(job)} again with a ${what}${details}, position ${result.position} in line.`,
    jobId: result.job.id,
    buttons: [{ action: 'cancel', label: 'Cancel', jobId: result.job.id }],
  };
}

function newSeed(): number {
  return 1 + Math.floor(Math.random() * 2_147_483_646);
}
