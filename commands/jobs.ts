// /jobs: the requester's recent jobs and the queue length.
import type { CommandContext, CommandReply, CommandRequest } from './types.js';
import { describeState, jobLabel, styleSummary } from './format.js';
import { lines, say } from './reply.js';

export async function jobs(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const [mine, waiting] = await Promise.all([context.jobs.jobsOf(request.requester, 10), context.jobs.queue()]);
  const queueLine = `Queue: ${waiting.length} job${waiting.length === 1 ? '' : 's'} waiting or running.`;
  if (mine.length === 0) return { text: say`You have no jobs yet. ${queueLine}`, private: true };

  const positions = new Map(waiting.map((entry) => [entry.job.id, entry.position]));
  const entries = mine.map((job) => {
    const position = positions.get(job.id);
    const where = job.state === 'queued' && position !== undefined ? ` (position ${position})` : '';
    return say`• ${jobLabel(job)} ${styleSummary(job)}: ${describeState(job)}${where}`;
  });
  return { text: lines('Your recent jobs:', ...entries, queueLine), private: true };
}
