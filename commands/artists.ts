// /artists: the artist corpus, or the works of one artist.
import { stringArg } from './args.js';
import { userText } from './format.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function artists(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const all = context.jobs.artists();
  if (all.length === 0) return { text: 'No artists are installed yet. An admin can add some with *artist add*.', private: true };

  const wanted = stringArg(request.args, 'artist', 'name');
  if (!wanted) {
    const lines = all.map((a) => `• *${userText(a.name)}* (${a.works.length} work${a.works.length === 1 ? '' : 's'})`);
    return { text: [`I know ${all.length} artists:`, ...lines, 'Use one with stylize and *artist*.'].join('\n'), private: true };
  }

  const key = normalise(wanted);
  const artist = all.find((a) => normalise(a.name) === key);
  if (!artist) {
    return { text: `I don't know the artist "${userText(wanted)}". Known: ${all.map((a) => userText(a.name)).join(', ')}.`, private: true };
  }
  return { text: [`*${userText(artist.name)}*:`, ...artist.works.map((w) => `• ${userText(w)}`)].join('\n'), private: true };
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
