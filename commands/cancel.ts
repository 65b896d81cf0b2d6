// /cancel JOB and the Cancel button: the job core checks that the requester owns the job or is an admin.
import { jobIdArg } from './args.js';
import { bold, code, plain, say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function cancel(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  if (!jobId)
    return { text: say`Which job? Give its id, e.g. ${code('cancel abc123')} (see ${bold('jobs')}).`, private: true, code: 'invalid' };
  if (!(await context.jobs.get(jobId))) return { text: say`There is no job ${code(jobId)}.`, private: true, code: 'not_found' };
  const result = await context.jobs.cancel(jobId, request.requester);
  return result.ok ? { text: plain(result.message), private: true } : { text: plain(result.message), private: true, code: 'invalid' };
}
