// Turns discord.js interactions into platform-neutral CommandRequests: who asks (with admin status), the options,
// the attachments (downloaded only when a handler asks), and the ReplyTarget stored with a job.
import {
  ApplicationCommandOptionType,
  PermissionFlagsBits,
  type Attachment as DiscordAttachment,
  type BaseInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
} from 'discord.js';
import type { ArgValue, Attachment, CommandRequest } from '../../commands/types.js';
import type { Requester } from '../jobs/types.js';
import { readCappedBody } from './capped-body.js';

/** Interaction tokens are valid for 15 minutes after the interaction was created. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** What Stylebot stores with a Discord job to answer it later, even after a restart. */
export interface DiscordReplyTarget {
  [key: string]: unknown;
  applicationId: string;
  interactionToken: string;
  /** Epoch ms after which the token no longer works: post in the channel instead. */
  interactionExpiresAt: number;
  channelId: string | null;
  guildId: string | null;
  userId: string;
}

export function requesterOf(interaction: BaseInteraction, admins: readonly string[]): Requester {
  const managesServer = interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
  return {
    platform: 'discord',
    workspaceId: interaction.guildId ?? 'dm',
    userId: interaction.user.id,
    userName: interaction.user.username,
    isPlatformAdmin: managesServer || admins.includes(interaction.user.id),
  };
}

export function replyTargetOf(interaction: BaseInteraction): DiscordReplyTarget {
  return {
    applicationId: interaction.applicationId,
    interactionToken: interaction.token,
    interactionExpiresAt: interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS,
    channelId: interaction.channelId,
    guildId: interaction.guildId,
    userId: interaction.user.id,
  };
}

export function isDiscordReplyTarget(value: Record<string, unknown>): value is DiscordReplyTarget {
  return typeof value.applicationId === 'string' && typeof value.interactionToken === 'string' && typeof value.userId === 'string';
}

export function commandRequestOf(
  interaction: ChatInputCommandInteraction,
  admins: readonly string[],
  maxDownloadBytes: number,
): CommandRequest {
  let options: readonly CommandInteractionOption[] = interaction.options.data;
  let subcommand: string | undefined;
  const first = options[0];
  if (first?.type === ApplicationCommandOptionType.SubcommandGroup) {
    subcommand = first.name;
    options = first.options ?? [];
  }
  if (options[0]?.type === ApplicationCommandOptionType.Subcommand) {
    subcommand = options[0].name;
    options = options[0].options ?? [];
  }
  const args: Record<string, ArgValue | undefined> = {};
  const attachments: Record<string, Attachment> = {};
  for (const option of options) {
    if (option.type === ApplicationCommandOptionType.Attachment) {
      if (option.attachment) attachments[option.name] = attachmentOf(option.attachment, maxDownloadBytes);
    } else if (option.value !== undefined && option.value !== null) {
      args[option.name] = option.value;
    }
  }
  return {
    requester: requesterOf(interaction, admins),
    command: interaction.commandName,
    subcommand,
    args,
    attachments,
    reply: replyTargetOf(interaction),
  };
}

function attachmentOf(attachment: DiscordAttachment, maxDownloadBytes: number): Attachment {
  return {
    name: attachment.name,
    contentType: attachment.contentType ?? undefined,
    size: attachment.size,
    fetch: () => download(attachment.url, maxDownloadBytes),
  };
}

/** Downloads a URL, giving up as soon as it grows past maxBytes (the reported size can be wrong). */
export async function download(url: string, maxBytes: number): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok || !response.body) throw new Error(`the file server answered ${response.status}`);
  const body = await readCappedBody(response.body, maxBytes);
  // Past the limit: hand back a buffer of the size read so far; the caller's size check explains it to the user.
  return body.tooLarge ? new Uint8Array(body.bytesRead) : body.bytes;
}
