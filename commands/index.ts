// The platform-neutral entry point: one request in, one reply out. Errors never escape: a UserError becomes a
// private explanation, anything else a private apology with an error id (and a log line with that id).
import { userMessageFor } from '../src/errors.js';
import { defaultLogger } from '../src/logger.js';
import { artist } from './artist.js';
import { artists } from './artists.js';
import { rerun, stronger, upscale } from './buttons.js';
import { cancel } from './cancel.js';
import { compare } from './compare.js';
import { help } from './help.js';
import { jobs } from './jobs.js';
import { quota } from './quota.js';
import { stats } from './stats.js';
import { deletePicture, show } from './show.js';
import { serverSettings } from './server-settings.js';
import { refusalCodeOf } from './refusal.js';
import { plain } from './reply.js';
import { stylize } from './stylize.js';
import type { CommandContext, CommandHandler, CommandReply, CommandRequest } from './types.js';

export { statusView, settingsText } from './progress.js';
export { HELP_TEXT } from './help.js';

const HANDLERS: Record<string, CommandHandler> = {
  stylize,
  artists,
  jobs,
  cancel,
  compare,
  help,
  quota,
  artist,
  stats,
  rerun,
  stronger,
  upscale,
  show,
  delete: deletePicture,
  'server-settings': serverSettings,
};

export const COMMAND_NAMES = Object.keys(HANDLERS);

/**
 * Runs one command. A UserError (a check that failed on purpose) becomes a private reply with its message; any
 * other error becomes a private apology with an error id, and the whole error is logged under that id.
 */
export async function runCommand(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const handler = HANDLERS[request.command.toLowerCase()] ?? help;
  try {
    return await handler(request, context);
  } catch (error) {
    const logger = context.logger ?? defaultLogger();
    const { text, code } = userMessageFor(error, logger, {
      command: request.command,
      platform: request.requester.platform,
      userId: request.requester.userId,
    });
    return { text: plain(text), private: true, code: code ? refusalCodeOf(code) : 'internal' };
  }
}
