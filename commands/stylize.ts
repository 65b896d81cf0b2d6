// /stylize: checks everything it can before a job is queued (attachments, style source, options), then enqueues.
// Every problem comes back as a private reply for the person who asked.
import { parseStylizeOptions } from '../src/engine/options.js';
import type { StylizeOptions } from '../src/engine/types.js';
import type { JobInputs, JobStyleInput } from '../src/jobs/types.js';
import { attachmentsInOrder, pickArg, stringArg } from './args.js';
import { downloadImage } from './download.js';
import type { Attachment, CommandContext, CommandReply, CommandRequest } from './types.js';
import { jobLabel } from './format.js';

/** Arguments of /stylize that are not engine options (everything else goes to parseStylizeOptions). */
const NOT_ENGINE_OPTIONS = new Set([
  'artist',
  'texture',
  'style_weight1',
  'style_weight2',
  'style_weight3',
  'style_blend_weights',
  'blend_weights',
  'content',
  'style',
  'style1',
  'style2',
  'style3',
]);

const STYLE_SLOTS = ['style', 'style2', 'style3'] as const;

export async function stylize(request: CommandRequest, context: CommandContext): Promise<CommandReply> {
  const { args } = request;
  const artist = stringArg(args, 'artist');
  const texture = pickArg(args, 'texture') === true || pickArg(args, 'texture') === 'true';
  const { content, styles } = pickImages(request, texture);

  if (styles.length === 0 && !artist) {
    return privateReply(
      'Give me a style: attach a style image (the painting whose look you want), or choose an artist. ' +
        'Use the artists command to see the artists I know.',
    );
  }
  if (styles.length > 0 && artist) {
    return privateReply('Choose either style images or an artist, not both.');
  }

  let options;
  try {
    options = { ...defaultOptions(context), ...parseStylizeOptions(engineOptionArgs(args)) };
  } catch (error) {
    if (error instanceof RangeError) return privateReply(error.message);
    throw error;
  }

  let blendWeights: number[];
  try {
    blendWeights = styleBlendWeights(request, styles.length);
  } catch (error) {
    if (error instanceof RangeError) return privateReply(error.message);
    throw error;
  }

  const inputs: JobInputs = { styles: [], options };
  if (artist) inputs.artist = artist;
  // Downloads only after the cheap checks; downloadImage reports size and type problems in the user's words.
  if (content) {
    const image = await downloadImage(content, context, 'content image');
    if (!image.ok) return privateReply(image.message);
    inputs.content = image.bytes;
    inputs.contentName = content.name;
  }
  for (const [index, style] of styles.entries()) {
    const image = await downloadImage(style, context, 'style image');
    if (!image.ok) return privateReply(image.message);
    const input: JobStyleInput = { image: image.bytes, weight: blendWeights[index], name: style.name };
    inputs.styles.push(input);
  }

  const result = await context.jobs.enqueue(request.requester, request.reply, inputs);
  if (!result.ok) return privateReply(result.message);

  const { job, position } = result;
  const what = job.artwork
    ? `in the style of *${job.artwork}*`
    : job.artist
      ? `in the style of the ${job.artist} work closest to your photo`
      : `in the style of ${job.styleNames.join(' + ')}`;
  const mode = inputs.content ? '' : ' (texture synthesis: no content image)';
  return {
    text: `Job ${jobLabel(job)} queued ${what}${mode}: position ${position} in line.`,
    jobId: job.id,
    buttons: [{ action: 'cancel', label: 'Cancel', jobId: job.id }],
  };
}

function pickImages(request: CommandRequest, texture: boolean): { content?: Attachment; styles: Attachment[] } {
  const named = request.attachments;
  const hasNamed = named.content !== undefined || STYLE_SLOTS.some((slot) => named[slot] !== undefined);
  if (hasNamed) {
    const styles = STYLE_SLOTS.map((slot) => named[slot]).filter((a): a is Attachment => a !== undefined);
    return { content: texture ? undefined : named.content, styles };
  }
  // Ordered attachments (Slack): the first is the content, the others are styles; with texture all are styles.
  const ordered = attachmentsInOrder(request, []);
  if (texture) return { styles: ordered };
  const [content, ...styles] = ordered;
  return { content, styles };
}

function defaultOptions(context: CommandContext): Partial<StylizeOptions> {
  const { size, iterations, progressEvery } = context.defaults;
  return progressEvery === undefined ? { size, iterations } : { size, iterations, progressEvery };
}

function engineOptionArgs(args: CommandRequest['args']): Record<string, string | number | boolean | undefined> {
  const raw: Record<string, string | number | boolean | undefined> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || NOT_ENGINE_OPTIONS.has(key)) continue;
    raw[key] = value;
  }
  return raw;
}

/** Blend weights of the style images: style_weight2/3 (Discord) or a comma list (style_blend_weights). Style 1 weighs 1. */
function styleBlendWeights(request: CommandRequest, count: number): number[] {
  const list = stringArg(request.args, 'style_blend_weights', 'blend_weights');
  const weights = list
    ? list.split(',').map((w) => Number(w.trim()))
    : [pickArg(request.args, 'style_weight1') ?? 1, pickArg(request.args, 'style_weight2') ?? 1, pickArg(request.args, 'style_weight3') ?? 1].map(Number);
  const used = weights.slice(0, count);
  while (used.length < count) used.push(1);
  for (const w of used) {
    if (!Number.isFinite(w) || w <= 0 || w > 1000) {
      throw new RangeError('Style blend weights must be positive numbers (up to 1000), e.g. 1 and 0.5.');
    }
  }
  return used;
}

function privateReply(text: string): CommandReply {
  return { text, private: true };
}
