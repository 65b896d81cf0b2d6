// /cancel JOB and the Cancel button: the job core checks that the requester owns the job or is an admin.
import { jobIdArg } from './args.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function cancel(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const jobId = jobIdArg(request.args);
  if (!jobId) return { text: 'Which job? Give its id, e.g. `cancel abc123` (see *jobs*).', private: true, code: 'invalid' };
  if (!(await context.jobs.get(jobId))) return { text: `There is no job \`${jobId}\`.`, private: true, code: 'not_found' };
  const result = await context.jobs.cancel(jobId, request.requester);
  return result.ok ? { text: result.message, private: true } : { text: result.message, private: true, code: 'invalid' };
}
