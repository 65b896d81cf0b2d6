// /stylize: checks everything it can before a job is queued (attachments, style source, options), then enqueues.
// Every problem comes back as a private reply for the person who asked.
import type { StylizeOptions } from '../src/options/types.js';
import { UserError } from '../src/errors.js';
import type { Surface } from '../src/options/fields.js';
import { fieldNamed } from '../src/options/fields.js';
import { checkFieldValue, parseOptions } from '../src/options/schema.js';
import type { JobInputs, JobStyleInput } from '../src/jobs/types.js';
import { attachmentsInOrder, booleanArg, pickArg, stringArg } from './args.js';
import { downloadImage } from './download.js';
import type { Attachment, CommandContext, CommandReply, CommandRequest, RefusalCode } from './types.js';
import { jobLabel } from './format.js';
import { bold, join, plain, type RichText, say, user } from './reply.js';

/** Arguments of /stylize that are not in the option table (everything else goes to parseOptions). */
const NOT_ENGINE_OPTIONS = new Set([
  'artist',
  'texture',
  'style_weight1',
  'style_weight2',
  'style_weight3',
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
  const texture = booleanArg(args, 'texture', 'texture') ?? false;
  const { content, styles } = pickImages(request, texture);

  if (styles.length === 0 && !artist) {
    const where =
      surfaceOf(request) === 'web' ? 'The artist list shows the artists I know.' : 'Use the artists command to see the artists I know.';
    return privateReply(`Give me a style: attach a style image (the painting whose look you want), or choose an artist. ${where}`);
  }
  if (styles.length > 0 && artist) {
    return privateReply('Choose either style images or an artist, not both.');
  }

  // Bad values throw UserError: runCommand shows the message privately.
  const parsed = parseOptions(engineOptionArgs(args), surfaceOf(request));
  const options = { ...defaultOptions(context, parsed.options), ...parsed.options };
  const blendWeights = styleBlendWeights(request, styles.length, parsed.blendWeights);

  const tooLong = context.refuseOverLimit?.({
    size: options.size!,
    iterations: options.iterations!,
    ...(options.budget ? { budget: options.budget } : {}),
  });
  if (tooLong) return privateReply(tooLong);

  const inputs: JobInputs = { styles: [], options };
  if (artist) inputs.artist = artist;
  // Downloads only after the cheap checks; downloadImage reports size and type problems in the user's words.
  if (content) {
    const image = await downloadImage(content, context, 'content image');
    if (!image.ok) return privateReply(image.message, image.code);
    inputs.content = image.bytes;
    inputs.contentName = content.name;
  }
  for (const [index, style] of styles.entries()) {
    const image = await downloadImage(style, context, 'style image');
    if (!image.ok) return privateReply(image.message, image.code);
    const input: JobStyleInput = { image: image.bytes, weight: blendWeights[index] ?? 1, name: style.name };
    inputs.styles.push(input);
  }

  const result = await context.jobs.enqueue(request.requester, request.reply, inputs);
  if (!result.ok) return privateReply(result.message, result.reason);

  const { job, position } = result;
  const what = job.artwork
    ? say`in the style of ${bold(job.artwork)}`
    : job.artist
      ? say`in the style of the ${user(job.artist)} work closest to your photo`
      : say`in the style of ${join(job.styleNames.map(user), ' + ')}`;
  const mode = inputs.content ? '' : ' (texture synthesis: no content image)';
  return {
    text: say`Job ${jobLabel(job)} queued ${what}${mode}: position ${position} in line.`,
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

/**
 * What a job gets for the options its requester left out. With a default budget, a job that names neither budget nor
 * iterations paints to that budget (the default iterations then only cap it); naming iterations alone paints exactly
 * that many.
 */
function defaultOptions(context: CommandContext, given: Partial<StylizeOptions>): Partial<StylizeOptions> {
  const { size, iterations, budget, progressEvery } = context.defaults;
  const defaults: Partial<StylizeOptions> = { size, iterations };
  if (progressEvery !== undefined) defaults.progressEvery = progressEvery;
  if (budget && given.budget === undefined && given.iterations === undefined) defaults.budget = budget;
  return defaults;
}

/** The option-table surface of the platform that asked (the studio's API is 'web'). */
function surfaceOf(request: CommandRequest): Surface {
  const platform = request.requester.platform as string;
  return platform === 'discord' || platform === 'slack' ? platform : 'web';
}

function engineOptionArgs(args: CommandRequest['args']): Record<string, string | number | boolean | undefined> {
  const raw: Record<string, string | number | boolean | undefined> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || NOT_ENGINE_OPTIONS.has(key)) continue;
    raw[key === 'blend_weights' ? 'style_blend_weights' : key] = value;
  }
  return raw;
}

/**
 * Blend weights of the style images: a list (style-blend-weights, Slack's "blend 1,2") or style_weight2/3
 * (Discord; style 1 weighs 1), each within the style-blend-weights range. Missing ones weigh 1.
 */
function styleBlendWeights(request: CommandRequest, count: number, list: number[] | undefined): number[] {
  const field = fieldNamed('style-blend-weights')!;
  const weights = list ?? [
    pickArg(request.args, 'style_weight1') ?? 1,
    pickArg(request.args, 'style_weight2') ?? 1,
    pickArg(request.args, 'style_weight3') ?? 1,
  ];
  if (list && list.length > count) {
    throw new UserError(
      'bad_option',
      `You gave ${list.length} blend weights for ${count} style image${count === 1 ? '' : 's'}: give one per style image.`,
    );
  }
  // A weight for a style that was not sent is a mistake to point out, not to drop (style_weight2 with one style).
  for (const n of [2, 3]) {
    if (n > count && pickArg(request.args, `style_weight${n}`) !== undefined) {
      throw new UserError(
        'bad_option',
        `style_weight${n} was given, but there ${count === 1 ? 'is' : 'are'} only ${count} style image${count === 1 ? '' : 's'}.`,
      );
    }
  }
  const used = weights.slice(0, count);
  while (used.length < count) used.push(1);
  return count === 0
    ? []
    : (checkFieldValue(
        field,
        used.map((w) => (typeof w === 'number' ? w : String(w))),
      ) as number[]);
}

function privateReply(text: string | RichText, code: RefusalCode = 'invalid'): CommandReply {
  return { text: typeof text === 'string' ? plain(text) : text, private: true, code };
}
