// /stats [days]: usage of this workspace (admins only).
import { adminOnly, isAdmin } from './admin.js';
import { countArg } from './args.js';
import { bold, lines, mention, say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function stats(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  if (!(await isAdmin(request, context))) return adminOnly('see usage statistics');
  const days = Math.min(365, Math.max(1, countArg(request.args, 'days', 'days') ?? 7));
  const { perUser, perDay } = await context.jobs.admin.stats(request.requester, request.requester.workspaceId, days);
  const totalJobs = perDay.reduce((sum, d) => sum + d.jobs, 0);
  const totalSeconds = perDay.reduce((sum, d) => sum + d.gpuSeconds, 0);
  const users = [...perUser].sort((a, b) => b.gpuSeconds - a.gpuSeconds).slice(0, 10);
  return {
    text: lines(
      say`${bold(`Usage, last ${days} day${days === 1 ? '' : 's'}:`)} ${totalJobs} jobs, ${Math.round(totalSeconds)} GPU seconds.`,
      ...perDay.map((d) => `• ${d.day}: ${d.jobs} jobs, ${Math.round(d.gpuSeconds)} s`),
      users.length > 0 ? [bold('Top users:')] : 'No jobs yet.',
      ...users.map((u) => say`• ${mention(u.userId)}: ${u.jobs} jobs, ${Math.round(u.gpuSeconds)} s`),
    ),
    private: true,
  };
}
