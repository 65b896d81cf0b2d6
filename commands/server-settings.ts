// /server-settings (admins): where the bot takes commands in this server, the default budget and size of a painting,
// and whether results are shown to the requester only. The job core checks the role again and audits the change.
import type { ServerSettingsRecord } from '../src/jobs/types.js';
import { adminOnly, isAdmin } from './admin.js';
import { t } from './locales/index.js';
import { booleanArg, countArg, stringArg } from './args.js';
import { lines, plain, type say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function serverSettings(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  if (!(await isAdmin(request, context))) return adminOnly('change the server settings');
  const { platform, workspaceId } = request.requester;
  if (workspaceId === 'dm')
    return { text: plain('Server settings are chosen in a server, not in a direct message.'), private: true, code: 'invalid' };
  const current = await context.jobs.serverSettings(platform, workspaceId);
  const next: ServerSettingsRecord = { ...current, allowedChannels: [...current.allowedChannels] };
  const channel = stringArg(request.args, 'channel');
  switch (request.subcommand) {
    case 'show':
      return { text: describeSettings(current), private: true };
    case 'allow_channel':
      if (!channel) return { text: plain('Which channel?'), private: true, code: 'invalid' };
      if (!next.allowedChannels.includes(channel)) next.allowedChannels.push(channel);
      break;
    case 'disallow_channel':
      next.allowedChannels = next.allowedChannels.filter((id) => id !== channel);
      break;
    case 'all_channels':
      next.allowedChannels = [];
      break;
    case 'set': {
      const budget = countArg(request.args, 'default_budget', 'default_budget');
      const size = countArg(request.args, 'default_size', 'default_size');
      const results = stringArg(request.args, 'results');
      if (budget !== undefined) next.defaultBudget = budget;
      if (size !== undefined) next.defaultSize = size;
      if (results !== undefined) next.resultsPrivate = results === 'private';
      if (booleanArg(request.args, 'clear_defaults', 'clear_defaults')) {
        delete next.defaultBudget;
        delete next.defaultSize;
      }
      break;
    }
    default:
      return { text: plain('Say show, set, allow_channel, disallow_channel or all_channels.'), private: true, code: 'invalid' };
  }
  const saved = await context.jobs.admin.setServerSettings(request.requester, { platform, workspaceId }, next);
  return { text: lines('Saved.', describeSettings(saved)), private: true };
}

/** The settings in words; channels as <#id> (Discord shows the channel's name). */
export function describeSettings(settings: ServerSettingsRecord): ReturnType<typeof say> {
  const channels = settings.allowedChannels.length ? settings.allowedChannels.map((id) => `<#${id}>`).join(', ') : 'every channel';
  return lines(
    `Commands are taken in: ${channels}.`,
    `Default budget: ${settings.defaultBudget === undefined ? "the bot's" : `${settings.defaultBudget} s`}. Default size: ${settings.defaultSize === undefined ? "the bot's" : `${settings.defaultSize} px`}.`,
    `Results are ${settings.resultsPrivate ? 'shown to the requester only' : 'posted in the channel'}.`,
  );
}

/** The private answer to a command in a channel the server's admins did not allow. */
export function useOtherChannel(allowed: readonly string[], locale?: string): CommandReply {
  return {
    text: plain(t(locale, 'settings.useOtherChannel', { channels: allowed.map((id) => `<#${id}>`).join(', ') })),
    private: true,
    code: 'forbidden',
  };
}
