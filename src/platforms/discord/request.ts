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
import type { ArgValue, Attachment, CommandRequest } from '../../../commands/types.js';
import type { Requester } from '../../jobs/types.js';
import type { Logger } from '../../logger.js';
import { fetchPlatformFile } from '../shared/platform-fetch.js';
import { COMMAND_ALIASES } from './commands.js';

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
  /** The most bytes of files a message may carry here (the interaction's attachment_size_limit); absent: 10 MiB. */
  attachmentSizeLimit?: number;
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
    ...(interaction.attachmentSizeLimit > 0 ? { attachmentSizeLimit: interaction.attachmentSizeLimit } : {}),
  };
}

export function isDiscordReplyTarget(value: Record<string, unknown>): value is DiscordReplyTarget {
  return typeof value.applicationId === 'string' && typeof value.interactionToken === 'string' && typeof value.userId === 'string';
}

/** Where attachments may be downloaded from, and where refusals are logged. */
export interface AttachmentSource {
  /** DISCORD_FILE_ORIGINS plus the API base's origin when one is configured (fileOrigins()). */
  allowedOrigins: readonly string[];
  logger: Logger;
}

export function commandRequestOf(
  interaction: ChatInputCommandInteraction,
  admins: readonly string[],
  maxDownloadBytes: number,
  source: AttachmentSource,
): CommandRequest {
  // Who asks and where the answer goes first: reading them cannot fail, the attachments' shapes can.
  const requester = requesterOf(interaction, admins);
  const reply = replyTargetOf(interaction);
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
      if (option.attachment) attachments[option.name] = attachmentOf(option.attachment, maxDownloadBytes, source);
    } else if (option.value !== undefined && option.value !== null) {
      args[option.name] = option.value;
    }
  }
  const command = COMMAND_ALIASES[interaction.commandName] ?? interaction.commandName;
  return { requester, command, subcommand, args, attachments, reply };
}

/** A Discord attachment as a command attachment: downloaded (from an allowed origin, within maxDownloadBytes) when a handler asks. */
export function attachmentOf(attachment: DiscordAttachment, maxDownloadBytes: number, source: AttachmentSource): Attachment {
  return {
    name: attachment.name,
    contentType: attachment.contentType ?? undefined,
    size: attachment.size,
    fetch: async () =>
      (
        await fetchPlatformFile(attachment.url, {
          platform: 'Discord',
          allowedOrigins: source.allowedOrigins,
          maxBytes: maxDownloadBytes,
          name: attachment.name,
          logger: source.logger,
        })
      ).bytes,
  };
}
