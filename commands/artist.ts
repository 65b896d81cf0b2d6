// /artist add NAME (with an image) and /artist remove NAME WORK: admins curate the artist corpus.
import { adminOnly, isAdmin } from './admin.js';
import { attachmentsInOrder, stringArg } from './args.js';
import { downloadImage } from './download.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function artist(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const sub = request.subcommand;
  if (sub !== 'add' && sub !== 'remove') {
    return { text: 'Use *artist add NAME* with an image, or *artist remove NAME WORK*.', private: true };
  }
  if (!(await isAdmin(request, context))) return adminOnly('change the artist collection');

  const name = stringArg(request.args, 'name', 'artist');
  if (!name) return { text: 'Which artist? Give the name, e.g. artist add monet.', private: true };

  if (sub === 'remove') {
    const work = stringArg(request.args, 'work', 'file');
    if (!work) return { text: `Which work of ${name}? See *artists ${name}* for the file names.`, private: true };
    await context.jobs.admin.removeArtwork(request.requester, name, work);
    return { text: `Removed ${work} from ${name}.`, private: true };
  }

  const [image] = attachmentsInOrder(request, ['image']);
  if (!image) return { text: `Attach the artwork to add to ${name}.`, private: true };
  const download = await downloadImage(image, context, 'artwork');
  if (!download.ok) return { text: download.message, private: true };
  const stored = await context.jobs.admin.addArtwork(request.requester, name, image.name, download.bytes);
  return { text: `Added ${stored} to the artists.`, private: true };
}
