// /artists: the artist corpus, or the works of one artist.
import { stringArg } from './args.js';
import { bold, join, lines, say, user } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function artists(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const all = context.jobs.artists();
  if (all.length === 0)
    return { text: say`No artists are installed yet. An admin can add some with ${bold('artist add')}.`, private: true };

  const wanted = stringArg(request.args, 'artist', 'name');
  if (!wanted) {
    const entries = all.map((a) => say`• ${bold(a.name)} (${a.works.length} work${a.works.length === 1 ? '' : 's'})`);
    return { text: lines(`I know ${all.length} artists:`, ...entries, say`Use one with stylize and ${bold('artist')}.`), private: true };
  }

  const key = normalise(wanted);
  const artist = all.find((a) => normalise(a.name) === key);
  if (!artist) {
    return {
      text: say`I don't know the artist "${user(wanted)}". Known: ${join(
        all.map((a) => user(a.name)),
        ', ',
      )}.`,
      private: true,
    };
  }
  return { text: lines(say`${bold(artist.name)}:`, ...artist.works.map((w) => say`• ${user(w)}`)), private: true };
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
