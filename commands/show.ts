// /show JOB posts a finished picture again with its buttons; the Delete button (and /delete) removes a picture.
// Both are for the job's owner or an admin; the job core checks.
import { jobIdArg } from './args.js';
import { resultButtons } from './buttons.js';
import { jobLabel, styleSummary } from './format.js';
import { settingsText } from './progress.js';
import { code, lines, mention, plain, say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

const whichJob = (): CommandReply => ({ text: say`Which job? Give its id (see ${code('/jobs')}).`, private: true, code: 'invalid' });

export async function show(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  if (!jobId) return whichJob();
  const job = await context.jobs.get(jobId);
  if (!job) return { text: say`There is no job ${code(jobId)}.`, private: true, code: 'not_found' };
  if (!(await context.jobs.can(request.requester, 'rerun', job.id))) {
    return {
      text: say`Only ${mention(job.userId)} (who asked for ${jobLabel(job)}) or an admin can show it.`,
      private: true,
      code: 'forbidden',
    };
  }
  if (job.state !== 'done')
    return { text: say`Job ${jobLabel(job)} is ${job.state}: only finished pictures can be shown.`, private: true, code: 'invalid' };
  const png = await context.jobs.resultImage(job.id);
  if (!png) return { text: say`The picture of job ${jobLabel(job)} was deleted.`, private: true, code: 'not_found' };
  return {
    text: lines(say`Job ${jobLabel(job)} · ${styleSummary(job)}`, settingsText(job)),
    image: { data: png, name: `stylebot-${job.id}.png` },
    buttons: resultButtons(job),
  };
}

/** The Delete button: the job's stored pictures go; the adapter removes the message the button was on. */
export async function deletePicture(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  if (!jobId) return whichJob();
  const result = await context.jobs.deleteResult(jobId, request.requester);
  return result.ok ? { text: plain(result.message), private: true } : { text: plain(result.message), private: true, code: 'forbidden' };
}
