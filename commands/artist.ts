// /artist add NAME (with an image) and /artist remove NAME WORK: admins curate the artist corpus.
import { adminOnly, isAdmin } from './admin.js';
import { attachmentsInOrder, stringArg } from './args.js';
import { downloadImage } from './download.js';
import { bold, say, user } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function artist(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const sub = request.subcommand;
  if (sub !== 'add' && sub !== 'remove') {
    return {
      text: say`Use ${bold('artist add NAME')} with an image, or ${bold('artist remove NAME WORK')}.`,
      private: true,
      code: 'invalid',
    };
  }
  if (!(await isAdmin(request, context))) return adminOnly('change the artist collection');

  const name = stringArg(request.args, 'name', 'artist');
  if (!name) return { text: say`Which artist? Give the name, e.g. artist add monet.`, private: true, code: 'invalid' };

  if (sub === 'remove') {
    const work = stringArg(request.args, 'work', 'file');
    if (!work)
      return { text: say`Which work of ${user(name)}? See ${bold(`artists ${name}`)} for the file names.`, private: true, code: 'invalid' };
    await context.jobs.admin.removeArtwork(request.requester, name, work);
    return { text: say`Removed ${user(work)} from ${user(name)}.`, private: true };
  }

  const [image] = attachmentsInOrder(request, ['image']);
  if (!image) return { text: say`Attach the artwork to add to ${user(name)}.`, private: true, code: 'invalid' };
  const download = await downloadImage(image, context, 'artwork');
  if (!download.ok) return { text: download.message, private: true, code: download.code };
  const stored = await context.jobs.admin.addArtwork(request.requester, name, image.name, download.bytes);
  return { text: say`Added ${user(stored)} to the artists.`, private: true };
}
