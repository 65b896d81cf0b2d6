// /artist add NAME (with an image) and /artist remove NAME WORK: admins curate the artist corpus.
import { adminOnly, isAdmin } from './admin.js';
import { attachmentsInOrder, stringArg } from './args.js';
import { downloadImage } from './download.js';
import { userText } from './format.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function artist(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const sub = request.subcommand;
  if (sub !== 'add' && sub !== 'remove') {
    return { text: 'Use *artist add NAME* with an image, or *artist remove NAME WORK*.', private: true, code: 'invalid' };
  }
  if (!(await isAdmin(request, context))) return adminOnly('change the artist collection');

  const name = stringArg(request.args, 'name', 'artist');
  if (!name) return { text: 'Which artist? Give the name, e.g. artist add monet.', private: true, code: 'invalid' };

  if (sub === 'remove') {
    const work = stringArg(request.args, 'work', 'file');
    if (!work) return { text: `Which work of ${userText(name)}? See *artists ${userText(name)}* for the file names.`, private: true, code: 'invalid' };
    await context.jobs.admin.removeArtwork(request.requester, name, work);
    return { text: `Removed ${userText(work)} from ${userText(name)}.`, private: true };
  }

  const [image] = attachmentsInOrder(request, ['image']);
  if (!image) return { text: `Attach the artwork to add to ${userText(name)}.`, private: true, code: 'invalid' };
  const download = await downloadImage(image, context, 'artwork');
  if (!download.ok) return { text: download.message, private: true, code: download.code };
  const stored = await context.jobs.admin.addArtwork(request.requester, name, image.name, download.bytes);
  return { text: `Added ${userText(stored)} to the artists.`, private: true };
}
