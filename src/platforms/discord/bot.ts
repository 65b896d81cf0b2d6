// The Discord adapter: slash commands, buttons and autocomplete in; command replies and job status edits out.
// All Discord knowledge lives in src/platforms/discord/; the commands themselves are platform-neutral.
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  Status,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { noImageInMessage, paintFormExpired, styleRemembered } from '../../../commands/image-menu.js';
import { useOtherChannel } from '../../../commands/server-settings.js';
import { ADMIN_COMMANDS } from './commands.js';
import { firstImage, ImageMenuMemory, isPaintForm, paintArgs, paintFormModal, USE_AS_STYLE } from './image-menu.js';
import { runCommand } from '../../../commands/index.js';
import { metrics } from '../../metrics.js';
import { statusView } from '../../../commands/progress.js';
import { plain } from '../../../commands/reply.js';
import type { ActionButton, CommandContext, CommandReply, CommandRequest } from '../../../commands/types.js';
import type { JobService, ServerSettingsRecord } from '../../jobs/types.js';
import { discordText, parseButtonId, renderMessage } from './render.js';
import {
  attachmentOf,
  commandRequestOf,
  isDiscordReplyTarget,
  replyTargetOf,
  requesterOf,
  type AttachmentSource,
  type DiscordReplyTarget,
} from './request.js';
import { DISCORD_FILE_ORIGINS, fileOrigins } from '../shared/platform-fetch.js';
import { userMessageFor } from '../../errors.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { DiscordStatusMessages } from './status.js';
import { DEFAULT_ATTACHMENT_LIMIT, fitUpload } from './upload-fit.js';

export interface DiscordBotOptions {
  token: string;
  applicationId: string;
  /** The server the commands are registered in (DISCORD_GUILD_ID); used by `stylebot register`, informational here. */
  guildId?: string;
  /** REST base such as http://127.0.0.1:PORT/api (tests); default Discord's. */
  apiBase?: string;
  jobs: JobService;
  context: CommandContext;
  /** User ids that are admins (STYLEBOT_ADMINS). */
  admins?: string[];
  /** The process's logger (default: the command context's, else JSON on stderr). */
  logger?: Logger;
  /** Floor between two progress edits of one status message (ms). Default 2000. */
  minEditIntervalMs?: number;
  log?: (message: string) => void;
}

/** Commands whose answer is for the requester only: deferred ephemeral so no public "thinking" message appears. */
const PRIVATE_COMMANDS = new Set(['help', 'jobs', 'cancel', 'quota', 'quota-admin', 'artists', 'artist', 'stats', 'server-settings']);

/** Commands that paint: the server's default budget and size and its public/private choice apply to them. */
const PAINTING = new Set(['stylize', 'rerun', 'stronger', 'upscale']);

/**
 * The Discord bot: start() logs in and listens to slash commands, buttons and autocomplete; ready() says whether
 * the gateway connection is up; stop() stops listening and lets the status edits in flight go out (at most 10 s).
 * Interactions are read by request.ts, replies drawn by render.ts, job events shown by status.ts.
 */
export class DiscordBot {
  readonly client: Client;
  private readonly statuses: DiscordStatusMessages;
  private readonly log: (message: string) => void;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly options: DiscordBotOptions) {
    // Callers hand ready and stop around on their own (the serve command's list of bots).
    this.ready = this.ready.bind(this);
    this.stop = this.stop.bind(this);
    const logger = options.logger ?? options.context.logger ?? defaultLogger();
    this.log = options.log ?? ((message: string) => logger.warn({ platform: 'discord' }, message));
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      ...(options.apiBase ? { rest: { api: options.apiBase } } : {}),
    });
    this.client.rest.on('response', (_request, response) => {
      if (response.status === 429) metrics.rateLimited('discord');
    });
    this.statuses = new DiscordStatusMessages(this.client.rest, { minEditIntervalMs: options.minEditIntervalMs ?? 2000, log: this.log });
  }

  /** Logs in and waits for the gateway to be ready; rejects (and lets go of everything) when the login fails. */
  async start(): Promise<void> {
    const { client, statuses, log, options } = this;
    // Job events (also those of jobs recovered after a restart) update the status message stored with the job.
    this.unsubscribe = options.jobs.onEvents('discord', (job, event) => {
      if (!isDiscordReplyTarget(job.reply)) return;
      const shown = statusView(job, event);
      const view = shown?.final ? withDeleteButton(job.id, shown) : shown;
      // A final view's promise tells the outbox whether Discord took it (it is offered again if not).
      if (view) return view.final ? statuses.show(job.id, job.reply, view) : void statuses.show(job.id, job.reply, view);
    });

    const handler = new InteractionHandler(options, options.admins ?? adminsFromEnv(), statuses, log);
    client.on(Events.InteractionCreate, (interaction) => {
      handler.handle(interaction).catch((error) => log(`stylebot discord: interaction failed: ${describe(error)}`));
    });
    client.on(Events.Error, (error) => log(`stylebot discord: client error: ${describe(error)}`));

    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    try {
      await client.login(options.token);
      await ready;
    } catch (error) {
      this.unsubscribe();
      await client.destroy();
      throw error;
    }
  }

  /** True while the gateway connection is up. */
  ready(): boolean {
    return this.client.isReady() && this.client.ws.status === Status.Ready;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await Promise.race([this.statuses.idle(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await this.client.destroy();
  }
}

/** A started DiscordBot: new DiscordBot(options), then start(); rejects as start() does. */
export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const bot = new DiscordBot(options);
  await bot.start();
  return bot;
}

class InteractionHandler {
  private readonly attachmentSource: AttachmentSource;
  private readonly logger: Logger;
  private readonly imageMenu = new ImageMenuMemory();

  constructor(
    private readonly options: DiscordBotOptions,
    private readonly admins: readonly string[],
    private readonly statuses: DiscordStatusMessages,
    private readonly log: (message: string) => void,
  ) {
    this.logger = options.logger ?? options.context.logger ?? defaultLogger();
    this.attachmentSource = { allowedOrigins: fileOrigins(DISCORD_FILE_ORIGINS, options.apiBase), logger: this.logger };
  }

  async handle(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.autocomplete(interaction);
    if (interaction.isChatInputCommand()) return this.command(interaction);
    if (interaction.isMessageContextMenuCommand()) return this.messageMenu(interaction);
    if (interaction.isModalSubmit() && isPaintForm(interaction.customId)) return this.paintForm(interaction);
    if (interaction.isButton()) return this.button(interaction);
  }

  /** "Stylize with..." opens the painting form for the message's image; "Use as style" saves the image. */
  private async messageMenu(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    const settings = await this.settingsOf(interaction);
    if (!this.channelAllowed(interaction, settings))
      return this.replyPrivately(interaction, useOtherChannel(settings.allowedChannels, interaction.locale));
    const image = firstImage(interaction.targetMessage);
    if (!image) return this.replyPrivately(interaction, noImageInMessage(interaction.locale));
    if (interaction.commandName === USE_AS_STYLE) {
      this.imageMenu.rememberStyle(interaction.guildId ?? 'dm', interaction.user.id, image);
      return this.replyPrivately(interaction, styleRemembered(image.name, interaction.locale));
    }
    await interaction.showModal(paintFormModal(this.imageMenu.openForm(interaction.user.id, image), interaction.locale));
  }

  /** A submitted painting form: the message's image as content, the artist or the saved style, as /stylize does. */
  private async paintForm(interaction: ModalSubmitInteraction): Promise<void> {
    const image = this.imageMenu.takeForm(interaction.customId, interaction.user.id);
    if (!image) return this.replyPrivately(interaction, paintFormExpired(interaction.locale));
    const settings = await this.settingsOf(interaction);
    await interaction.deferReply(settings.resultsPrivate ? { flags: MessageFlags.Ephemeral } : {});
    const value = (id: string) => (interaction.fields.fields.has(id) ? interaction.fields.getTextInputValue(id) : '');
    const request: CommandRequest = {
      requester: requesterOf(interaction, this.admins),
      command: 'stylize',
      args: {},
      attachments: { content: this.attachment(image) },
      reply: replyTargetOf(interaction),
    };
    try {
      request.args = paintArgs({ artist: value('artist'), options: value('options'), budget: value('budget') });
    } catch (error) {
      return this.refuse(interaction, request, error);
    }
    const saved =
      request.args.artist === undefined ? this.imageMenu.styleOf(request.requester.workspaceId, request.requester.userId) : undefined;
    if (saved) request.attachments.style = this.attachment(saved);
    applyServerDefaults(request, settings);
    await this.answer(interaction, request);
  }

  /** The server's settings (none outside a server). */
  private async settingsOf(interaction: Interaction): Promise<ServerSettingsRecord> {
    if (!interaction.guildId) return { allowedChannels: [], resultsPrivate: false };
    return this.options.jobs.serverSettings('discord', interaction.guildId);
  }

  /** Whether the server's admins allow commands in the interaction's channel (threads count as their parent). */
  private channelAllowed(interaction: Interaction, settings: ServerSettingsRecord): boolean {
    if (settings.allowedChannels.length === 0) return true;
    const channel = interaction.channel;
    const parent = channel && 'parentId' in channel && channel.isThread() ? channel.parentId : null;
    return [interaction.channelId, parent].some((id) => id !== null && settings.allowedChannels.includes(id));
  }

  private attachment(image: Parameters<typeof attachmentOf>[0]) {
    return attachmentOf(image, this.options.context.limits.maxImageBytes, this.attachmentSource);
  }

  /** An immediate private answer (no deferral): for menu choices that need no work. */
  private async replyPrivately(interaction: RepliableInteraction, reply: CommandReply): Promise<void> {
    await interaction.reply({ content: discordText(reply.text), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<void> {
    const settings = await this.settingsOf(interaction);
    if (!ADMIN_COMMANDS.includes(interaction.commandName) && !this.channelAllowed(interaction, settings))
      return this.replyPrivately(interaction, useOtherChannel(settings.allowedChannels, interaction.locale));
    // Acknowledge first: Discord allows 3 s, and downloads or the engine (compare) can take longer.
    const ephemeral = PRIVATE_COMMANDS.has(interaction.commandName) || (PAINTING.has(interaction.commandName) && settings.resultsPrivate);
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const request = commandRequestOf(interaction, this.admins, this.options.context.limits.maxImageBytes, this.attachmentSource);
    if (request.command === 'stylize') {
      this.addSavedStyle(request);
      applyServerDefaults(request, settings);
    }
    await this.answer(interaction, request);
  }

  /** A /stylize naming neither a style image nor an artist paints in the style saved with "Use as style", if any. */
  private addSavedStyle(request: CommandRequest): void {
    const { attachments, args, requester } = request;
    if (attachments.style || attachments.style2 || attachments.style3 || args.artist !== undefined) return;
    const saved = this.imageMenu.styleOf(requester.workspaceId, requester.userId);
    if (saved) attachments.style = this.attachment(saved);
  }

  private async button(interaction: ButtonInteraction): Promise<void> {
    const parsed = parseButtonId(interaction.customId);
    if (!parsed) return;
    // Re-runs start a new status message; a cancel answers privately (the job's own message shows "cancelled"), and
    // so does a delete (its message goes away).
    const privately =
      PRIVATE_BUTTONS.has(parsed.action) || (PAINTING.has(parsed.action) && (await this.settingsOf(interaction)).resultsPrivate);
    await interaction.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
    const request: CommandRequest = {
      requester: requesterOf(interaction, this.admins),
      command: parsed.action,
      args: { jobId: parsed.jobId },
      attachments: {},
      reply: replyTargetOf(interaction),
    };
    if (parsed.action === 'delete') return this.deletePicture(interaction, request);
    await this.answer(interaction, request);
  }

  /** Delete: the job core removes the stored pictures (owner or admin only), then the message with the button goes. */
  private async deletePicture(interaction: ButtonInteraction, request: CommandRequest): Promise<void> {
    try {
      const reply = await runCommand(request, this.options.context);
      if (!reply.code) {
        await interaction.client.rest
          .delete(Routes.channelMessage(interaction.message.channelId, interaction.message.id))
          .catch((error) => {
            this.log(`stylebot discord: could not delete a result message: ${describe(error)}`);
          });
      }
      await this.deliver(interaction, reply);
    } catch (error) {
      await this.refuse(interaction, request, error);
    }
  }

  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
    const names = this.options.jobs
      .artists()
      .map((artist) => artist.name)
      .filter((name) =>
        name
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .includes(typed),
      )
      .slice(0, 25);
    await interaction.respond(names.map((name) => ({ name, value: name })));
  }

  /** Runs the command and delivers its reply into the deferred interaction response; never leaves it "thinking". */
  private async answer(interaction: RepliableInteraction, request: CommandRequest): Promise<void> {
    try {
      await this.answerOrThrow(interaction, request);
    } catch (error) {
      await this.refuse(interaction, request, error);
    }
  }

  /** The error's private message (a UserError's words, else an apology with an error id) into the deferred reply. */
  private async refuse(interaction: RepliableInteraction, request: CommandRequest, error: unknown): Promise<void> {
    const { text } = userMessageFor(error, this.logger, {
      platform: 'discord',
      command: request.command,
      userId: request.requester.userId,
    });
    await this.deliver(interaction, { text: plain(text), private: true }).catch((deliveryError: unknown) => {
      this.logger.warn({ err: deliveryError, command: request.command }, 'could not deliver an error reply on Discord');
    });
  }

  private async answerOrThrow(interaction: RepliableInteraction, request: CommandRequest): Promise<void> {
    const reply = await runCommand(request, this.options.context);
    if (request.command === 'show' && reply.image && reply.jobId === undefined)
      reply.buttons = withDeleteButton(request.args.job_id as string, reply)?.buttons;
    const target = request.reply as DiscordReplyTarget;
    if (reply.jobId) {
      // The deferred reply becomes the job's status message, edited by job events from now on.
      this.statuses.showInitial(reply.jobId, target, { text: reply.text, buttons: reply.buttons, final: false });
      return;
    }
    await this.deliver(interaction, reply);
  }

  private async deliver(interaction: RepliableInteraction, unfitted: CommandReply): Promise<void> {
    const reply = await fitUpload(
      unfitted,
      interaction.attachmentSizeLimit > 0 ? interaction.attachmentSizeLimit : DEFAULT_ATTACHMENT_LIMIT,
    );
    const rest = interaction.client.rest;
    const { applicationId, token } = interaction;
    if (reply.private && !interaction.ephemeral) {
      // The public "thinking…" placeholder goes away; the answer is shown to the requester only.
      await rest.delete(Routes.webhookMessage(applicationId, token, '@original'), { auth: false }).catch((error) => {
        this.log(`stylebot discord: could not delete the placeholder: ${describe(error)}`);
      });
      const { body, files } = renderMessage(reply, { ephemeral: true });
      await rest.post(Routes.webhook(applicationId, token), { body, files, auth: false });
      return;
    }
    const { body, files } = renderMessage(reply);
    await rest.patch(Routes.webhookMessage(applicationId, token, '@original'), { body, files, auth: false });
  }
}

/** The server's default size and budget for a painting that names neither (budget only when iterations are not named either). */
function applyServerDefaults(request: CommandRequest, settings: ServerSettingsRecord): void {
  const { args } = request;
  if (settings.defaultSize !== undefined && args.size === undefined) args.size = settings.defaultSize;
  if (settings.defaultBudget !== undefined && args.budget === undefined && args.iterations === undefined)
    args.budget = settings.defaultBudget;
}

/** Buttons whose press is answered privately. */
const PRIVATE_BUTTONS = new Set(['cancel', 'delete']);

/** A finished picture (a final status or /show) gets a Delete button for its requester and admins, on Discord only. */
function withDeleteButton<T extends { image?: unknown; buttons?: ActionButton[] }>(jobId: string, view: T | undefined): T | undefined {
  if (!view?.image || view.buttons?.some((b) => b.action === 'delete')) return view;
  return { ...view, buttons: [...(view.buttons ?? []), { action: 'delete', label: 'Delete', jobId }] };
}

function adminsFromEnv(): string[] {
  return (process.env.STYLEBOT_ADMINS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
