// The platform-neutral entry point: one request in, one reply out. Errors never escape: a bad value becomes a
// private explanation, anything unexpected a private apology (and a log line for the operator).
import { ImageError } from '../src/images/index.js';
import { artist } from './artist.js';
import { artists } from './artists.js';
import { rerun, stronger, upscale } from './buttons.js';
import { cancel } from './cancel.js';
import { compare } from './compare.js';
import { help } from './help.js';
import { jobs } from './jobs.js';
import { quota } from './quota.js';
import { stats } from './stats.js';
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
};

export const COMMAND_NAMES = Object.keys(HANDLERS);

export async function runCommand(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const handler = HANDLERS[request.command.toLowerCase()] ?? help;
  try {
    return await handler(request, context);
  } catch (error) {
    if (error instanceof RangeError || error instanceof ImageError) return { text: error.message, private: true };
    // The job core and the artist corpus throw errors with user-facing messages (unknown artist, bad work name...).
    const message = error instanceof Error ? error.message : String(error);
    console.error(`stylebot: command ${request.command} failed:`, error);
    return { text: `Sorry, that did not work: ${message}`, private: true };
  }
}
