// /compare image1 image2: the Gram-matrix style distance between two images, computed on the job service's
// engine pool like other engine work (ahead of queued paintings), so the bot's event loop stays free.
import { attachmentsInOrder } from './args.js';
import { downloadImage } from './download.js';
import { formatNumber } from './format.js';
import { bold, code, say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

export async function compare(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const [first, second] = attachmentsInOrder(request, ['image1', 'image2']);
  if (!first || !second) return { text: say`Attach two images to compare their styles.`, private: true, code: 'invalid' };
  const a = await downloadImage(first, context, 'first image');
  if (!a.ok) return { text: a.message, private: true, code: a.code };
  const b = await downloadImage(second, context, 'second image');
  if (!b.ok) return { text: b.message, private: true, code: b.code };

  const distance = await context.jobs.styleDistance(a.bytes, b.bytes);
  const layers = distance.perLayer.map((value, i) => `${STYLE_LAYERS[i] ?? `layer ${i + 1}`} ${formatNumber(value)}`).join(', ');
  return {
    text: say`Style distance between ${code(first.name)} and ${code(second.name)}: ${bold(formatNumber(distance.total))} (0 = same style).\nPer layer: ${layers}`,
  };
}
