// Turns command replies and status views into Discord message bodies (content, buttons, attachments).
import { ButtonStyle, ComponentType, type RawFile } from 'discord.js';
import type { ActionButton } from '../../commands/types.js';
import { imageMediaType } from '../images/index.js';

export interface RenderableMessage {
  text: string;
  image?: { data: Uint8Array; name: string };
  buttons?: ActionButton[];
}

export interface DiscordMessageBody {
  body: Record<string, unknown>;
  files: RawFile[];
}

const MAX_CONTENT = 2000;
const CUSTOM_ID_PREFIX = 'stylebot';

/** The body of a message create/edit. Edits replace the attachments and buttons too. Mentions never ping anyone
 *  except mentionUser (used when the result is posted in the channel after the interaction expired). */
/**
 * Neutral reply text as Discord markdown: user-supplied runs (commands/format.ts userText) get every markdown
 * character escaped, so a file name cannot make a masked link, a heading or bold text. (Mentions never ping:
 * allowed_mentions is empty below.)
 */
export function discordText(text: string): string {
  return text.replace(/\u2068([^\u2069]*)\u2069/g, (_, run: string) => run.replace(/[\\*_~`|>#[\]()<]/g, '\\$&'));
}

export function renderMessage(message: RenderableMessage, options: { ephemeral?: boolean; mentionUser?: string } = {}): DiscordMessageBody {
  let content = discordText(message.text);
  if (options.mentionUser) content = `<@${options.mentionUser}> ${content}`;
  if (content.length > MAX_CONTENT) content = `${content.slice(0, MAX_CONTENT - 1)}…`;
  const body: Record<string, unknown> = {
    content,
    components: message.buttons?.length ? [buttonRow(message.buttons)] : [],
    attachments: message.image ? [{ id: 0, filename: message.image.name }] : [],
    allowed_mentions: { parse: [], users: options.mentionUser ? [options.mentionUser] : [] },
  };
  if (options.ephemeral) body.flags = 64;
  const files: RawFile[] = message.image ? [{ name: message.image.name, data: Buffer.from(message.image.data), contentType: imageMediaType(message.image.data) ?? 'image/png' }] : [];
  return { body, files };
}

function buttonRow(buttons: ActionButton[]) {
  return {
    type: ComponentType.ActionRow,
    components: buttons.slice(0, 5).map((button) => ({
      type: ComponentType.Button,
      style: button.action === 'cancel' ? ButtonStyle.Danger : button.action === 'stronger' || button.action === 'upscale' ? ButtonStyle.Primary : ButtonStyle.Secondary,
      label: button.label,
      custom_id: buttonId(button.action, button.jobId),
    })),
  };
}

export function buttonId(action: string, jobId: string): string {
  return `${CUSTOM_ID_PREFIX}:${action}:${jobId}`;
}

export function parseButtonId(customId: string): { action: string; jobId: string } | undefined {
  const [prefix, action, jobId] = customId.split(':');
  if (prefix !== CUSTOM_ID_PREFIX || !action || !jobId) return undefined;
  return { action, jobId };
}
