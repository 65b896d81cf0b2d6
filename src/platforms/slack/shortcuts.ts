// The message shortcuts ("Stylize this image", "Use as style") and the painting modal they and /stylize open:
// the callback ids the manifest names, the images of a shortcut's message, the Block Kit modal, and its submission
// read back into the words request.ts understands. Pure data work: the Slack calls are made by bot.ts.
import type { types } from '@slack/bolt';
import { fieldNamed, type IntegerField } from '../../options/fields.js';

/** Callback ids: registered by bot.ts, named by manifest.yml (a test checks both agree). */
export const CALLBACKS = {
  stylizeShortcut: 'stylebot_stylize_image',
  styleShortcut: 'stylebot_use_as_style',
  modal: 'stylebot_stylize_modal',
} as const;

/** Block and action ids of the modal's inputs. */
export const MODAL_FIELDS = {
  artist: 'artist',
  style: 'style',
  options: 'options',
  budget: 'budget',
} as const;

/** The most images of one message taken into a modal (private_metadata holds at most 3000 characters). */
const MAX_IMAGES = 4;
const METADATA_LIMIT = 3000;

/** An image file of a Slack message, as much of it as a later download needs. */
export interface SlackImageRef {
  name: string;
  url: string;
  size: number;
  mimetype?: string;
}

/**
 * The image files of a message (a shortcut's `message.files`): those with an image mimetype and a private link,
 * at most four, in order. Anything else (a PDF, a file from another workspace without a link) is left out.
 */
export function imagesOf(files: unknown): SlackImageRef[] {
  if (!Array.isArray(files)) return [];
  const images: SlackImageRef[] = [];
  for (const file of files) {
    if (typeof file !== 'object' || file === null) continue;
    const f = file as Record<string, unknown>;
    const mimetype = typeof f.mimetype === 'string' ? f.mimetype : undefined;
    const url =
      typeof f.url_private_download === 'string' ? f.url_private_download : typeof f.url_private === 'string' ? f.url_private : undefined;
    if (!url || !mimetype?.startsWith('image/')) continue;
    const name = typeof f.name === 'string' && f.name !== '' ? f.name.slice(0, 200) : 'image';
    const size = typeof f.size === 'number' && Number.isFinite(f.size) && f.size >= 0 ? f.size : 0;
    images.push({ name, url, size, mimetype });
    if (images.length === MAX_IMAGES) break;
  }
  return images;
}

/** The image refs as the file objects slackAttachments() reads. */
export function asSlackFiles(images: SlackImageRef[]): Record<string, unknown>[] {
  return images.map((image) => ({ name: image.name, url_private: image.url, size: image.size, mimetype: image.mimetype }));
}

/** What the modal carries from where it was opened to its submission (private_metadata, JSON). */
export interface ModalOrigin {
  /** The conversation the result goes to. */
  channel: string;
  /** The thread the result goes to (the shortcut's message thread); none from /stylize (a new message). */
  threadTs?: string;
  /** The message's images: the first is the photo, the others styles. None from /stylize. */
  images: SlackImageRef[];
}

/** The origin as private_metadata; images are dropped from the end until it fits Slack's 3000 characters. */
export function encodeOrigin(origin: ModalOrigin): string {
  const images = [...origin.images];
  for (;;) {
    const text = JSON.stringify({ ...origin, images });
    if (text.length <= METADATA_LIMIT || images.length === 0) return text;
    images.pop();
  }
}

/** private_metadata back into an origin; undefined when it is not one of ours. */
export function decodeOrigin(metadata: unknown): ModalOrigin | undefined {
  if (typeof metadata !== 'string') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(metadata);
  } catch {
    return undefined;
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o.channel !== 'string' || o.channel === '') return undefined;
  const images = imagesOf(
    Array.isArray(o.images) ? o.images.map((i) => ({ ...(i as object), url_private: (i as SlackImageRef).url })) : [],
  );
  return { channel: o.channel, ...(typeof o.threadTs === 'string' ? { threadTs: o.threadTs } : {}), images };
}

/**
 * The painting modal. `origin`: where it was opened (its images decide what the photo is); `rememberedStyle`: the
 * name of the user's remembered style, offered as a checked box; `options`: words to prefill (from "/stylize ...").
 */
export function stylizeModal(origin: ModalOrigin, rememberedStyle?: string, options = ''): types.ModalView {
  const budget = fieldNamed('budget') as IntegerField;
  const [photo, ...styles] = origin.images;
  const what = photo
    ? `Paints *${mrkdwnSafe(photo.name)}*${styles.length > 0 ? ` in the style of ${styles.map((s) => `*${mrkdwnSafe(s.name)}*`).join(' + ')}` : ''}. The picture is posted in the message's thread.`
    : 'No photo here: a slash command cannot carry files, so this paints a *texture* in the chosen style. To paint a photo, open the message with it, then *⋯ → Stylize this image*.';
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: what } }];
  if (styles.length === 0) {
    blocks.push({
      type: 'input',
      block_id: MODAL_FIELDS.artist,
      optional: true,
      label: { type: 'plain_text', text: 'Artist' },
      hint: {
        type: 'plain_text',
        text: 'One of the artists I know ("@stylebot artists" lists them); I pick the work closest to your photo.',
      },
      element: {
        type: 'plain_text_input',
        action_id: MODAL_FIELDS.artist,
        max_length: 100,
        placeholder: { type: 'plain_text', text: 'monet' },
      },
    });
    if (rememberedStyle) {
      blocks.push({
        type: 'input',
        block_id: MODAL_FIELDS.style,
        optional: true,
        label: { type: 'plain_text', text: 'Your style' },
        element: {
          type: 'checkboxes',
          action_id: MODAL_FIELDS.style,
          options: [styleOption(rememberedStyle)],
          initial_options: [styleOption(rememberedStyle)],
        },
      });
    }
  }
  blocks.push(
    {
      type: 'input',
      block_id: MODAL_FIELDS.options,
      optional: true,
      label: { type: 'plain_text', text: 'Options' },
      hint: { type: 'plain_text', text: 'The words of "@stylebot help", e.g. size 512 preserve colors seed 7' },
      element: {
        type: 'plain_text_input',
        action_id: MODAL_FIELDS.options,
        max_length: 500,
        ...(options ? { initial_value: options.slice(0, 500) } : {}),
        placeholder: { type: 'plain_text', text: 'size 512 style strength 2' },
      },
    },
    {
      type: 'input',
      block_id: MODAL_FIELDS.budget,
      optional: true,
      label: { type: 'plain_text', text: 'Budget (seconds of painting)' },
      hint: {
        type: 'plain_text',
        text: `${budget.min} to ${budget.max}; the best picture in that time. Default: ${budget.defaultText ?? 'the server default'}.`,
      },
      element: {
        type: 'number_input',
        action_id: MODAL_FIELDS.budget,
        is_decimal_allowed: false,
        min_value: String(budget.min),
        max_value: String(budget.max),
      },
    },
  );
  return {
    type: 'modal',
    callback_id: CALLBACKS.modal,
    private_metadata: encodeOrigin(origin),
    title: { type: 'plain_text', text: 'Stylize' },
    submit: { type: 'plain_text', text: 'Paint' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: blocks as unknown as types.KnownBlock[],
  };
}

function styleOption(name: string): { text: { type: 'plain_text'; text: string }; value: string } {
  return { text: { type: 'plain_text', text: `Use my remembered style: ${name}`.slice(0, 75) }, value: 'remembered' };
}

/** What a person filled in: the artist, whether to use their remembered style, the option words, the budget. */
export interface ModalAnswers {
  artist?: string;
  useRememberedStyle: boolean;
  options: string;
  budget?: string;
}

/** Reads view.state.values of a submitted modal (missing blocks read as empty). */
export function modalAnswers(values: unknown): ModalAnswers {
  const v = (values ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const field = (id: string) => v[id]?.[id];
  const text = (id: string) => {
    const value = field(id)?.value;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const selected = field(MODAL_FIELDS.style)?.selected_options;
  return {
    ...(text(MODAL_FIELDS.artist) ? { artist: text(MODAL_FIELDS.artist) } : {}),
    useRememberedStyle: Array.isArray(selected) && selected.some((o) => (o as { value?: unknown }).value === 'remembered'),
    options: text(MODAL_FIELDS.options) ?? '',
    ...(text(MODAL_FIELDS.budget) ? { budget: text(MODAL_FIELDS.budget) } : {}),
  };
}

/** A file name in mrkdwn, its control characters escaped. */
function mrkdwnSafe(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, '');
}
