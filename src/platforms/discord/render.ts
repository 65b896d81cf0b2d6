// Turns replies (commands/reply.ts: text runs, buttons, an image) into Discord message bodies (content, buttons,
// attachments).
import { ButtonStyle, ComponentType, type RawFile } from 'discord.js';
import type { ActionButton, Reply, RichText, Run } from '../../../commands/reply.js';
import { imageMediaType } from '../../images/index.js';

export interface DiscordMessageBody {
  body: Record<string, unknown>;
  files: RawFile[];
}

const MAX_CONTENT = 2000;
const CUSTOM_ID_PREFIX = 'stylebot';

/**
 * Rich text as Discord markdown. The bot's words go as written; a user's string (and the text of bold and code,
 * which may hold one) has every markdown character escaped, so a file name cannot make a masked link, a heading or
 * bold text. Bold is *x*, which Discord shows in italics, as it always has. Mentions are <@id> (they never ping:
 * allowed_mentions is empty below).
 */
export function discordText(text: RichText): string {
  return text.map(discordRun).join('');
}

function discordRun(run: Run): string {
  switch (run.kind) {
    case 'plain':
      return run.text;
    case 'user':
      return escapeMarkdown(run.text);
    case 'bold':
      return wrap('*', escapeMarkdown(run.text));
    case 'code':
      return inlineCode(run.text);
    case 'mention':
      return /^[A-Za-z0-9]+$/.test(run.userId) ? `<@${run.userId}>` : `@${escapeMarkdown(run.userId)}`;
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#[\]()<]/g, '\\$&');
}

/** Inline code shows its text literally (no escapes inside); a backtick in it needs a longer fence. */
function inlineCode(text: string): string {
  if (text === '') return '';
  return text.includes('`') ? wrap('`` ', text.replace(/``+/g, '`\u200b`'), ' ``') : wrap('`', text);
}

/** Markers around text, with the text's outer spaces moved outside them (markup with inner spaces does not render). */
function wrap(open: string, text: string, close = open): string {
  const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text) ?? [];
  return core === '' ? text : `${lead}${open}${core}${close}${trail}`;
}

/** The body of a message create/edit. Edits replace the attachments and buttons too. Mentions never ping anyone
 *  except mentionUser (used when the result is posted in the channel after the interaction expired). */
export function renderMessage(message: Reply, options: { ephemeral?: boolean; mentionUser?: string } = {}): DiscordMessageBody {
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
  const files: RawFile[] = message.image
    ? [{ name: message.image.name, data: Buffer.from(message.image.data), contentType: imageMediaType(message.image.data) ?? 'image/png' }]
    : [];
  return { body, files };
}

function buttonRow(buttons: ActionButton[]) {
  return {
    type: ComponentType.ActionRow,
    components: buttons.slice(0, 5).map((button) => ({
      type: ComponentType.Button,
      style:
        button.action === 'cancel' || button.action === 'delete'
          ? ButtonStyle.Danger
          : button.action === 'stronger' || button.action === 'upscale'
            ? ButtonStyle.Primary
            : ButtonStyle.Secondary,
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
