// /quota show|set|reset|defaults. Anyone may see their own quota; everything else is for admins.
import type { Quota, Role, UserUsage } from '../src/jobs/types.js';
import { adminOnly, isAdmin, userRef, workspaceRef } from './admin.js';
import { countArg, userIdArg } from './args.js';
import { formatReset } from './format.js';
import { bold, lines, mention, type RichText, say, user } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

const QUOTA_FIELDS: { key: keyof Quota; arg: string; label: string }[] = [
  { key: 'jobsPerDay', arg: 'jobs_per_day', label: 'jobs per day' },
  { key: 'gpuSecondsPerDay', arg: 'gpu_seconds_per_day', label: 'GPU seconds per day' },
  { key: 'maxQueued', arg: 'max_queued', label: 'jobs waiting at once' },
  { key: 'maxSize', arg: 'max_size', label: 'largest size (px)' },
  { key: 'maxIterations', arg: 'max_iterations', label: 'most iterations' },
];

export async function quota(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const sub = request.subcommand ?? 'show';
  const target = userIdArg(request.args, 'user', 'user_id');
  const admin = await isAdmin(request, context);

  const otherWorkspace = request.args.platform !== undefined || request.args.workspace !== undefined;
  if (sub === 'show' && (!target || (target === request.requester.userId && !otherWorkspace))) {
    const { quota, usage, role } = await context.jobs.quotaOf(request.requester);
    return { text: describeQuota([bold('Your quota')], quota, usage, role), private: true };
  }
  if (!['show', 'set', 'reset', 'defaults'].includes(sub)) {
    return { text: say`Unknown quota command "${user(sub)}". Use quota show, set, reset or defaults.`, private: true, code: 'invalid' };
  }
  if (!admin) return adminOnly(sub === 'show' ? "see other people's quotas" : 'change quotas');

  const { admin: ops } = context.jobs;
  if (sub === 'defaults') {
    const changes = quotaChanges(request);
    const workspace = workspaceRef(request);
    const defaults = await ops.setDefaults(request.requester, workspace, changes);
    const verb = Object.keys(changes).length > 0 ? 'Workspace defaults are now' : 'Workspace defaults';
    return { text: say`${verb}:\n${quotaLines(defaults)}`, private: true };
  }

  if (!target) return { text: say`Which user? Give the user, e.g. quota ${sub} @someone.`, private: true, code: 'invalid' };
  const ref = userRef(request, target);
  if (sub === 'show') {
    const { quota, usage, role } = await ops.showQuota(request.requester, ref);
    return { text: describeQuota(say`${bold('Quota of')} ${mention(target)}`, quota, usage, role), private: true };
  }
  if (sub === 'reset') {
    await ops.resetUsage(request.requester, ref);
    return { text: say`Today's usage of ${mention(target)} is reset.`, private: true };
  }
  const changes = quotaChanges(request);
  if (Object.keys(changes).length === 0) {
    return { text: say`Nothing to change: give one of ${QUOTA_FIELDS.map((f) => f.arg).join(', ')}.`, private: true, code: 'invalid' };
  }
  const updated = await ops.setQuota(request.requester, ref, changes);
  return { text: say`Quota of ${mention(target)} is now:\n${quotaLines(updated)}`, private: true };
}

function quotaChanges(request: CommandRequest): Partial<Quota> {
  const changes: Partial<Quota> = {};
  for (const field of QUOTA_FIELDS) {
    const value = countArg(request.args, field.arg, field.arg, field.key);
    if (value !== undefined) changes[field.key] = value;
  }
  return changes;
}

function quotaLines(quota: Quota): string {
  return QUOTA_FIELDS.map((f) => `• ${f.label}: ${quota[f.key]}`).join('\n');
}

function describeQuota(title: RichText, quota: Quota, usage: UserUsage, role: Role): RichText {
  return lines(
    say`${title} (${role}${role === 'admin' ? ': no limits' : ''}):`,
    `• jobs today: ${usage.jobsToday}/${quota.jobsPerDay}`,
    `• GPU seconds today: ${Math.round(usage.gpuSecondsToday)}/${quota.gpuSecondsPerDay}`,
    `• waiting now: ${usage.queuedNow}/${quota.maxQueued}`,
    `• largest size: ${quota.maxSize} px, most iterations: ${quota.maxIterations}`,
    `Daily counters reset at ${formatReset(usage.resetsAt)}.`,
  );
}
