// The image menu on messages (Discord message context-menu commands, type 3): "Stylize with..." opens a painting form
// for the message's image, "Use as style" remembers the image as the person's style. Both keep only the attachment's
// description (URL, name, size) in memory: Discord's attachment URLs are signed and expire within about a day, and
// a form not submitted before a restart can simply be chosen again.
import { randomBytes } from 'node:crypto';
import {
  ComponentType,
  TextInputStyle,
  type APIActionRowComponent,
  type APIModalInteractionResponseCallbackData,
  type APITextInputComponent,
  type Attachment as DiscordAttachment,
  type Message,
} from 'discord.js';
import { optionsNotPairs, paintFormLabels } from '../../../commands/image-menu.js';
import type { ArgValue } from '../../../commands/types.js';
import { UserError } from '../../errors.js';

export const STYLIZE_WITH = 'Stylize with...';
export const USE_AS_STYLE = 'Use as style';

const FORM_PREFIX = 'stylebot-paint:';
const FORM_LIFETIME_MS = 15 * 60 * 1000;
const STYLE_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_PENDING = 10_000;
const IMAGE_NAME = /\.(jpe?g|png|webp|gif)$/i;

/** The first attachment of a message that is an image by its media type or, lacking one, its file name. */
export function firstImage(message: Message): DiscordAttachment | undefined {
  return message.attachments.find((a) => (a.contentType ? a.contentType.startsWith('image/') : IMAGE_NAME.test(a.name)));
}

/** What the painting form gives: the values of its three fields, as typed. */
export interface PaintForm {
  artist: string;
  options: string;
  budget: string;
}

/**
 * Forms waiting for submission and styles people saved, by person. Bounded: at most 10,000 of each (the oldest go
 * first), forms for 15 minutes, styles for 24 hours.
 */
export class ImageMenuMemory {
  private readonly forms = new Map<string, { image: DiscordAttachment; userId: string; expires: number }>();
  private readonly styles = new Map<string, { image: DiscordAttachment; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers the image for a form about to be shown to userId; returns the form's custom_id. */
  openForm(userId: string, image: DiscordAttachment): string {
    const key = randomBytes(9).toString('base64url');
    bounded(this.forms).set(key, { image, userId, expires: this.now() + FORM_LIFETIME_MS });
    return `${FORM_PREFIX}${key}`;
  }

  /** The image of a submitted form (once), or undefined when the id is not a form's, expired or not this person's. */
  takeForm(customId: string, userId: string): DiscordAttachment | undefined {
    if (!isPaintForm(customId)) return undefined;
    const key = customId.slice(FORM_PREFIX.length);
    const form = this.forms.get(key);
    if (!form || form.userId !== userId || form.expires < this.now()) return undefined;
    this.forms.delete(key);
    return form.image;
  }

  /** Saves the image as the person's style in one server (workspace 'dm' for direct messages). */
  rememberStyle(workspaceId: string, userId: string, image: DiscordAttachment): void {
    const key = `${workspaceId}/${userId}`;
    this.styles.delete(key);
    bounded(this.styles).set(key, { image, expires: this.now() + STYLE_LIFETIME_MS });
  }

  /** The person's saved style, while it lasts. */
  styleOf(workspaceId: string, userId: string): DiscordAttachment | undefined {
    const saved = this.styles.get(`${workspaceId}/${userId}`);
    return saved && saved.expires >= this.now() ? saved.image : undefined;
  }
}

function bounded<V>(map: Map<string, V>): Map<string, V> {
  while (map.size >= MAX_PENDING) map.delete(map.keys().next().value as string);
  return map;
}

export function isPaintForm(customId: string): boolean {
  return customId.startsWith(FORM_PREFIX);
}

/** The modal shown by "Stylize with...": an artist, options as text, a budget (all optional). */
export function paintFormModal(customId: string, locale?: string): APIModalInteractionResponseCallbackData {
  const PAINT_FORM = paintFormLabels(locale);
  const field = (
    customId: string,
    label: string,
    placeholder: string,
    style: TextInputStyle,
    maxLength: number,
  ): APIActionRowComponent<APITextInputComponent> => ({
    type: ComponentType.ActionRow as const,
    components: [
      { type: ComponentType.TextInput as const, custom_id: customId, label, placeholder, style, required: false, max_length: maxLength },
    ],
  });
  return {
    custom_id: customId,
    title: PAINT_FORM.title,
    components: [
      field('artist', PAINT_FORM.artist, PAINT_FORM.artistPlaceholder, TextInputStyle.Short, 100),
      field('options', PAINT_FORM.options, PAINT_FORM.optionsPlaceholder, TextInputStyle.Paragraph, 400),
      field('budget', PAINT_FORM.budget, PAINT_FORM.budgetPlaceholder, TextInputStyle.Short, 5),
    ],
  };
}

/**
 * The /stylize arguments of a submitted form: artist and budget when filled, and the options text read as name/value
 * pairs ("size 256 iterations 300", "size=256, seed=4"). Names and values are checked later by /stylize's own option
 * parser (unknown names and bad values get its messages); a name without a value throws UserError('bad_option').
 */
export function paintArgs(form: PaintForm): Record<string, ArgValue> {
  const args: Record<string, ArgValue> = {};
  const tokens = form.options.split(/[\s,;]+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const eq = token.indexOf('=');
    if (eq > 0) {
      if (eq === token.length - 1) throw new UserError('bad_option', optionsNotPairs(token));
      args[token.slice(0, eq)] = token.slice(eq + 1);
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined) throw new UserError('bad_option', optionsNotPairs(token));
    args[token] = value;
    i += 1;
  }
  if (form.artist.trim()) args.artist = form.artist.trim();
  if (form.budget.trim()) args.budget = form.budget.trim();
  return args;
}
