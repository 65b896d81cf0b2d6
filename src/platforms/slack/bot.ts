// The Slack adapter (Bolt): mentions, the /stylize slash command and button presses become command calls;
// command replies and job events become messages in the asker's thread. All Slack knowledge lives here and in
// the files beside it. Socket Mode when an app token is given, else the HTTP receiver (signed requests).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  HTTPReceiver,
  LogLevel,
  type RespondFn,
  type SlashCommand,
  type ViewResponseAction,
  type ViewSubmitAction,
  webApi,
} from '@slack/bolt';
import { metrics } from '../../metrics.js';
import { runCommand } from '../../../commands/index.js';
import { RERUN_ACTIONS } from '../../../commands/buttons.js';
import { code, join, mention, plain, plainText, type RichText, say, user } from '../../../commands/reply.js';
import type { ArgValue, Attachment, CommandContext, CommandReply } from '../../../commands/types.js';
import type { Job, JobEvent, JobService, Requester } from '../../jobs/types.js';
import { ACTION_ID_PATTERN, actionName, fallbackText, messageBlocks } from './render.js';
import { slackAttachments, type SlackFileSource } from './files.js';
import { guardSlackRequests } from './http-guard.js';
import { fileOrigins, SLACK_FILE_ORIGINS } from '../shared/platform-fetch.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { SLACK_HELP_TEXT } from './help.js';
import { buttonPressOf, parseMention, type SlackMessage, slackMessageOf } from './request.js';
import { describe, SlackStatusReporter, toSlackTarget, type SlackReplyTarget } from './status.js';
import {
  asSlackFiles,
  CALLBACKS,
  decodeOrigin,
  imagesOf,
  MODAL_FIELDS,
  modalAnswers,
  type ModalOrigin,
  type SlackImageRef,
  stylizeModal,
} from './shortcuts.js';
import { RememberedStyles } from './remembered-styles.js';
import { homeView } from './home.js';

export interface SlackBotOptions {
  botToken: string;
  /** HTTP mode: requests are verified with it (SLACK_SIGNING_SECRET). */
  signingSecret?: string;
  /** Socket Mode when set (SLACK_APP_TOKEN, xapp-...). */
  appToken?: string;
  /** HTTP mode: port to listen on (PORT, default 3000; 0 = any free port). */
  port?: number;
  host?: string;
  /** Web API base, e.g. http://127.0.0.1:PORT/api/ in tests (SLACK_API_URL). */
  apiUrl?: string;
  jobs: JobService;
  context: CommandContext;
  /** User ids treated as platform admins (STYLEBOT_ADMINS). */
  admins?: string[];
  /** Web API retries on network errors and 5xx (default 5, about a minute in all; tests 0). 429s always wait Retry-After. */
  retries?: number;
  /** Least ms between two preview uploads of one job (default 20000) and the most per job (default 3). */
  previewIntervalMs?: number;
  maxPreviews?: number;
  /** Least ms between two progress edits of a status message (default 1000). */
  minEditMs?: number;
  logLevel?: LogLevel;
  /** The process's logger (default: the command context's, else JSON on stderr). */
  logger?: Logger;
  /** HTTP mode: the largest request body read (default SLACK_MAX_BODY_BYTES, 256 KB); more is answered 413. */
  maxBodyBytes?: number;
  /** "Use as style" picks: the most people remembered at once (default 1000) and for how long (ms, default 24 h). */
  rememberedStyles?: { maxEntries?: number; maxAgeMs?: number };
}

/** Where an answer goes, and how to answer only the asker. */
interface Conversation {
  target: { channel: string; threadTs?: string; userId: string; teamId: string };
  replyPrivately(text: RichText): Promise<void>;
  /** Slash commands answer through response_url; mentions and buttons in the thread. */
  replyPublicly?: (text: RichText) => Promise<void>;
  /** A job's status message must be posted (a modal's job): when it cannot be, say so privately and stop. */
  requireStatus?: boolean;
}

interface ParsedRequest {
  command: string;
  subcommand?: string;
  args: Record<string, ArgValue>;
  attachments: Record<string, Attachment>;
}

const ADMIN_CACHE_MS = 5 * 60_000;
/** How many recent messages are remembered (by event id and by channel and ts) to take each one once. */
const RECENT_MESSAGES = 1000;

/**
 * The Slack bot: start() connects (auth.test, then Socket Mode or the HTTP receiver) and listens to mentions,
 * direct messages, /stylize and buttons; ready() says whether Slack can reach it; stop() stops listening and lets
 * the status messages in flight go out. Requests are read by request.ts, replies drawn by render.ts, job events
 * shown by status.ts.
 */
export class SlackBot {
  /** The Bolt app (built by start()). */
  app!: App;
  /** The HTTP port listened on (HTTP mode, after start()). */
  port?: number;
  private readonly socketMode: boolean;
  private readonly admins: Set<string>;
  private readonly logger: Logger;
  private readonly fileSource: SlackFileSource;
  private reporter?: SlackStatusReporter;
  private unsubscribe: () => void = () => undefined;
  private stopped = false;
  /** Event ids and channel/ts pairs of messages already taken (Slack re-sends; a re-sent copy may be re-signed). */
  private readonly seen = new Set<string>();
  private readonly adminCache = new Map<string, { admin: boolean; name?: string; at: number }>();
  /** Each person's "Use as style" pick, for their next request. */
  private readonly styles: RememberedStyles;
  /** Who opened the Home tab lately (team:user -> when): their tab is drawn again as their jobs move on. */
  private readonly homeViewers = new Map<string, number>();
  private unobserve: () => void = () => undefined;

  /** Checks the options (tokens, signing secret); throws with what is missing. Nothing connects before start(). */
  constructor(private readonly options: SlackBotOptions) {
    // Callers hand ready and stop around on their own (the serve command's list of bots).
    this.ready = this.ready.bind(this);
    this.stop = this.stop.bind(this);
    const { botToken, appToken, context } = options;
    this.socketMode = Boolean(appToken);
    if (!botToken) throw new Error('SLACK_BOT_TOKEN is missing: the bot token (xoxb-...) from the Slack app settings.');
    if (!this.socketMode && !options.signingSecret) {
      throw new Error('SLACK_SIGNING_SECRET is missing: HTTP mode needs it to check requests (or set SLACK_APP_TOKEN for Socket Mode).');
    }
    this.admins = new Set(options.admins ?? envList(process.env.STYLEBOT_ADMINS));
    this.logger = options.logger ?? context.logger ?? defaultLogger();
    this.styles = new RememberedStyles(options.rememberedStyles);
    this.fileSource = {
      botToken,
      maxBytes: context.limits.maxImageBytes,
      allowedOrigins: fileOrigins(SLACK_FILE_ORIGINS, options.apiUrl),
      logger: this.logger,
    };
  }

  private get client(): webApi.WebClient {
    return this.app.client;
  }

  private log(message: string): void {
    this.logger.warn({ platform: 'slack' }, message);
  }

  /** Connects and listens; rejects with Slack's reason when the token is wrong. */
  async start(): Promise<void> {
    const { options } = this;
    // HTTP mode: our receiver, whose request listener is wrapped by the guard (body cap, clock window, signature,
    // event shape) before Bolt parses anything.
    const receiver = this.socketMode
      ? undefined
      : new HTTPReceiver({ signingSecret: options.signingSecret!, logLevel: options.logLevel ?? LogLevel.WARN });
    if (receiver) {
      receiver.requestListener = guardSlackRequests(receiver.requestListener, {
        signingSecret: options.signingSecret!,
        logger: this.logger,
        ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      });
    }
    this.app = new App({
      token: options.botToken,
      ...(this.socketMode ? { socketMode: true, appToken: options.appToken } : { receiver }),
      deferInitialization: true,
      logLevel: options.logLevel ?? LogLevel.WARN,
      clientOptions: {
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        retryConfig: { retries: options.retries ?? 5, factor: 2, minTimeout: 1000, maxTimeout: 20_000, randomize: true },
      },
    });
    // auth.test: a wrong token fails here, at start, with Slack's reason.
    await this.app.init();
    this.client.on(webApi.WebClientEvent.RATE_LIMITED, () => metrics.rateLimited('slack'));

    // Previews are a bonus: their uploads never wait out a rate limit or retry (which would hold up the final
    // picture behind them, or post a preview after the job had finished); a refused one is dropped.
    const previewClient = new webApi.WebClient(options.botToken, {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: options.logLevel ?? LogLevel.WARN,
    });
    const reporter = new SlackStatusReporter({
      client: this.client,
      previewClient,
      previewIntervalMs: options.previewIntervalMs,
      maxPreviews: options.maxPreviews,
      minEditMs: options.minEditMs,
      log: (message) => this.log(message),
    });
    this.reporter = reporter;
    this.unsubscribe = options.jobs.onEvents('slack', reporter.onEvent);
    // observe() sees events without taking their delivery, which stays with the reporter.
    this.unobserve = options.jobs.observe((job, event) => this.jobMoved(job, event.type));
    this.listen();

    if (this.socketMode) {
      await this.app.start();
    } else {
      const server = (await this.app.start({ port: options.port ?? 3000, ...(options.host ? { host: options.host } : {}) })) as Server;
      this.port = (server.address() as AddressInfo).port;
    }
  }

  /** True while the bot can hear Slack: its Socket Mode connection is open, or its HTTP receiver listens. */
  ready(): boolean {
    if (this.stopped || !this.reporter) return false;
    if (!this.socketMode) return true;
    // Bolt keeps its Socket Mode receiver private; its client's web socket says whether the connection is open.
    const receiver = (this.app as unknown as { receiver?: { client?: { websocket?: { isActive(): boolean } } } }).receiver;
    return receiver?.client?.websocket?.isActive() === true;
  }

  /** Stops listening, then waits (at most 5 s) for the status messages in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    this.unobserve();
    if (!this.reporter) return;
    await this.app.stop().catch((error: unknown) => this.log(`stop: ${describe(error)}`));
    await Promise.race([this.reporter.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  }

  private listen(): void {
    const { app } = this;
    app.event('app_mention', async ({ event, body, context: boltContext }) => {
      await this.takeMessage('app_mention', event, body, boltContext.botUserId);
    });

    // In a direct conversation every message is for the bot: no mention needed (and Slack sends no app_mention
    // there). Only what a person wrote (a plain message, or one with files); never edits, deletions or anything a
    // bot posted, the bot's own included.
    app.event('message', async ({ event, body, context: boltContext }) => {
      const raw = event as unknown as Record<string, unknown>;
      if (raw.channel_type !== 'im' || raw.bot_id !== undefined) return;
      if (raw.subtype !== undefined && raw.subtype !== 'file_share') return;
      if (boltContext.botUserId && raw.user === boltContext.botUserId) return;
      await this.takeMessage('direct message', raw, body, boltContext.botUserId);
    });

    app.command('/stylize', async ({ command, ack, respond, context: boltContext }) => {
      await ack();
      await this.slashCommand(command, respond, boltContext.botUserId);
    });

    app.action({ type: 'block_actions', action_id: ACTION_ID_PATTERN }, async ({ ack, body, action }) => {
      await ack();
      await this.buttonPressed(body, action);
    });

    app.shortcut(CALLBACKS.stylizeShortcut, async ({ ack, body, respond }) => {
      await ack();
      await this.stylizeShortcut(body, respond);
    });

    app.shortcut(CALLBACKS.styleShortcut, async ({ ack, body, respond }) => {
      await ack();
      await this.useAsStyle(body, respond);
    });

    app.view<ViewSubmitAction>(CALLBACKS.modal, async ({ ack, body, view }) => {
      await this.modalSubmitted(ack, body, view);
    });

    app.event('app_home_opened', async ({ event, body }) => {
      if (event.tab !== 'home') return;
      await this.publishHome(event.user, (body as { team_id?: string }).team_id ?? '');
    });

    app.error(async (error) => {
      this.log(`unhandled error: ${describe(error)}`);
    });
  }

  /**
   * True when this message was taken already. Slack re-sends an event whose ack came late (a busy moment) under the
   * same event id; a copy re-signed under a new event id is still the same message: the same channel and ts. A retry
   * of an event we never saw (the bot was down) is still taken.
   */
  private alreadySeen(message: SlackMessage): boolean {
    const keys = [`ts:${message.channel}:${message.ts}`, ...(message.eventId ? [`event:${message.eventId}`] : [])];
    const seen = keys.some((key) => this.seen.has(key));
    for (const key of keys) this.seen.add(key);
    while (this.seen.size > 2 * RECENT_MESSAGES) this.seen.delete(this.seen.values().next().value as string);
    return seen;
  }

  // ---- @stylebot mentions in channels, and any message in a direct conversation with the bot ----
  private async takeMessage(kind: string, event: unknown, body: unknown, botUserId: string | undefined): Promise<void> {
    const message = slackMessageOf(event, body);
    if (!message) {
      this.log(`${kind} without channel or ts ignored: ${JSON.stringify(event).slice(0, 300)}`);
      return;
    }
    if (this.alreadySeen(message)) return;
    const { channel, threadTs, userId, teamId } = message;
    if (!userId) {
      const text = plain('I could not tell who sent that message, so I cannot take it. Please try again.');
      await this.client.chat.postMessage({ channel, thread_ts: threadTs, text: fallbackText(text) });
      return;
    }
    const replyPrivately = this.ephemeralIn(channel, userId, threadTs);
    const parsed = parseMention(message.text, botUserId);
    if (parsed.errors.length > 0) return replyPrivately(join(parsed.errors, '\n'));
    if (parsed.command === 'help') return replyPrivately(SLACK_HELP_TEXT);

    const files = slackAttachments(message.files, this.fileSource);
    if (!files.ok) return replyPrivately(files.message);
    // A photo alone, with no artist: the person's "Use as style" pick is the painting.
    const remembered =
      parsed.command === 'stylize' &&
      Object.keys(files.attachments).length === 1 &&
      parsed.args.artist === undefined &&
      parsed.args.texture === undefined
        ? this.styles.peek(teamId, userId)
        : undefined;
    if (remembered) {
      const style = slackAttachments(asSlackFiles([remembered]), this.fileSource);
      if (style.ok) files.attachments['1'] = style.attachments['0']!;
    }
    const requester = await this.requesterFor(userId, teamId);
    const request: ParsedRequest = {
      command: parsed.command,
      subcommand: parsed.subcommand,
      args: parsed.args,
      attachments: files.attachments,
    };
    const queuesJob = parsed.command === 'stylize' && (Object.keys(files.attachments).length > 0 || parsed.args.artist !== undefined);
    const answer = await this.execute(request, requester, { target: { channel, threadTs, userId, teamId }, replyPrivately }, queuesJob);
    if (remembered && answer?.jobId) this.styles.take(teamId, userId);
  }

  // ---- /stylize: the forms that need no image ----
  private async slashCommand(command: SlashCommand, respond: RespondFn, botUserId: string | undefined): Promise<void> {
    const replyPrivately = async (text: RichText) => {
      await respond({ response_type: 'ephemeral', text: fallbackText(text), blocks: messageBlocks(text) });
    };
    const replyPublicly = async (text: RichText) => {
      await respond({ response_type: 'in_channel', text: fallbackText(text), blocks: messageBlocks(text) });
    };
    const parsed = parseMention(command.text ?? '', botUserId);
    if (parsed.errors.length > 0) return replyPrivately(join(parsed.errors, '\n'));
    if (parsed.command === 'help') return replyPrivately(SLACK_HELP_TEXT);
    if (parsed.command === 'stylize' && parsed.args.artist === undefined) {
      // A slash command cannot carry images: the modal asks for an artist or the remembered style, and says how to
      // paint a photo.
      const origin: ModalOrigin = { channel: command.channel_id, images: [] };
      const remembered = this.styles.peek(command.team_id, command.user_id);
      try {
        await this.client.views.open({ trigger_id: command.trigger_id, view: stylizeModal(origin, remembered?.name, command.text ?? '') });
      } catch (error) {
        this.log(`views.open for /stylize: ${describe(error)}`);
        return replyPrivately(
          say`Slash commands cannot carry images. Mention me (${code('@stylebot')}) in a message with your photo and a painting attached, or name an artist: ${code('/stylize artist monet')} paints a texture in the style of one of their works.`,
        );
      }
      return;
    }
    if (parsed.command === 'compare' || (parsed.command === 'artist' && parsed.subcommand === 'add')) {
      return replyPrivately(say`${code(parsed.command)} needs images: mention me in a message with the images attached.`);
    }
    const requester = await this.requesterFor(command.user_id, command.team_id);
    const request: ParsedRequest = { command: parsed.command, subcommand: parsed.subcommand, args: parsed.args, attachments: {} };
    const conversation: Conversation = {
      target: { channel: command.channel_id, userId: command.user_id, teamId: command.team_id },
      replyPrivately,
      replyPublicly,
    };
    await this.execute(request, requester, conversation, parsed.command === 'stylize');
  }

  // ---- message shortcuts: "Stylize this image" opens the painting modal, "Use as style" remembers the image ----
  private async stylizeShortcut(body: unknown, respond: RespondFn | undefined): Promise<void> {
    const shortcut = shortcutOf(body);
    if (!shortcut) return this.log('message shortcut without channel, user or message ignored');
    const { images, channel, threadTs, userId, teamId, triggerId } = shortcut;
    if (images.length === 0) return this.answerShortcut(respond, shortcut, NO_IMAGE);
    // With a photo alone the modal offers the remembered style; a second image in the message is the style.
    const remembered = images.length === 1 ? this.styles.peek(teamId, userId) : undefined;
    try {
      await this.client.views.open({ trigger_id: triggerId, view: stylizeModal({ channel, threadTs, images }, remembered?.name) });
    } catch (error) {
      this.log(`views.open: ${describe(error)}`);
      await this.answerShortcut(respond, shortcut, say`I could not open the form (${describe(error)}). Please try again.`);
    }
  }

  private async useAsStyle(body: unknown, respond: RespondFn | undefined): Promise<void> {
    const shortcut = shortcutOf(body);
    if (!shortcut) return this.log('message shortcut without channel, user or message ignored');
    const [image] = shortcut.images;
    if (!image) return this.answerShortcut(respond, shortcut, NO_IMAGE);
    this.styles.remember(shortcut.teamId, shortcut.userId, image);
    await this.answerShortcut(
      respond,
      shortcut,
      say`I will use ${user(image.name)} as the style of your next picture: use ${code('⋯ → Stylize this image')} on a message with your photo, mention me with a photo alone, or say ${code('/stylize')} for a texture.`,
    );
  }

  /** Answers only the person who used a shortcut: through its response_url, else an ephemeral message. */
  private async answerShortcut(respond: RespondFn | undefined, shortcut: MessageShortcutInfo, text: RichText): Promise<void> {
    try {
      if (respond)
        await respond({ response_type: 'ephemeral', replace_original: false, text: fallbackText(text), blocks: messageBlocks(text) });
      else await this.ephemeralIn(shortcut.channel, shortcut.userId, shortcut.threadTs)(text);
    } catch (error) {
      this.log(`could not answer a shortcut: ${describe(error)}`);
    }
  }

  // ---- the painting modal submitted ----
  private async modalSubmitted(
    ack: (response?: ViewResponseAction) => Promise<void>,
    body: { user: { id: string; team_id?: string }; team: { id: string } | null },
    view: { private_metadata: string; state: { values: unknown } },
  ): Promise<void> {
    const origin = decodeOrigin(view.private_metadata);
    if (!origin) {
      await ack();
      return this.log('modal submission without its origin ignored');
    }
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const answers = modalAnswers(view.state.values);
    const parsed = parseMention(answers.options);
    if (parsed.command !== 'stylize' || parsed.errors.length > 0) {
      const problem =
        parsed.errors.length > 0
          ? plainText(join(parsed.errors, ' '))
          : 'Only painting options here (the words of "@stylebot help"), e.g. size 512 seed 7.';
      return ack({ response_action: 'errors', errors: { [MODAL_FIELDS.options]: problem.slice(0, 300) } });
    }
    const [photo, ...styleImages] = origin.images;
    const remembered = answers.useRememberedStyle && styleImages.length === 0 ? this.styles.peek(teamId, userId) : undefined;
    const artist = answers.artist ?? (typeof parsed.args.artist === 'string' ? parsed.args.artist : undefined);
    if (artist && remembered) {
      return ack({
        response_action: 'errors',
        errors: { [MODAL_FIELDS.artist]: 'Choose either an artist or your remembered style, not both.' },
      });
    }
    if (!artist && !remembered && styleImages.length === 0) {
      const problem = photo
        ? 'Name an artist, or first pick a painting with ⋯ → Use as style.'
        : 'Name an artist, or first pick a painting with ⋯ → Use as style on an image.';
      return ack({ response_action: 'errors', errors: { [MODAL_FIELDS.artist]: problem } });
    }
    await ack();

    const args: Record<string, ArgValue> = { ...parsed.args };
    if (artist) args.artist = artist.toLowerCase();
    if (answers.budget !== undefined) args.budget = Number(answers.budget);
    // No photo (opened by /stylize): a texture in the chosen style.
    if (!photo) args.texture = true;
    const images: SlackImageRef[] = [...origin.images, ...(remembered ? [remembered] : [])];
    const target = { channel: origin.channel, ...(origin.threadTs ? { threadTs: origin.threadTs } : {}), userId, teamId };
    const conversation: Conversation = {
      target,
      replyPrivately: this.privateOrDirect(origin.channel, userId, origin.threadTs),
      requireStatus: true,
    };
    const files = slackAttachments(asSlackFiles(images), this.fileSource);
    if (!files.ok) return conversation.replyPrivately(files.message);
    const requester = await this.requesterFor(userId, teamId);
    const answer = await this.execute({ command: 'stylize', args, attachments: files.attachments }, requester, conversation, true);
    if (remembered && answer?.jobId) this.styles.take(teamId, userId);
  }

  /** An ephemeral message in the conversation; when the bot may not post there, a direct message instead. */
  private privateOrDirect(channel: string, userId: string, threadTs: string | undefined): (text: RichText) => Promise<void> {
    const ephemeral = this.ephemeralIn(channel, userId, threadTs);
    return async (text) => {
      try {
        await ephemeral(text);
      } catch (error) {
        this.log(`ephemeral in ${channel}: ${describe(error)}; sending a direct message`);
        await this.client.chat.postMessage({ channel: userId, text: fallbackText(text), blocks: messageBlocks(text) });
      }
    };
  }

  // ---- the App Home tab ----
  /** A Slack job was queued or finished: the Home tab of its owner, if they opened it lately, is drawn again. */
  private jobMoved(job: Job, event: JobEvent['type']): void {
    if (job.platform !== 'slack' || !['queued', 'done', 'failed', 'cancelled'].includes(event)) return;
    const key = `${job.workspaceId}:${job.userId}`;
    const openedAt = this.homeViewers.get(key);
    if (openedAt === undefined) return;
    if (Date.now() - openedAt > HOME_VIEWER_MS) {
      this.homeViewers.delete(key);
      return;
    }
    void this.publishHome(job.userId, job.workspaceId === 'dm' ? '' : job.workspaceId, false);
  }

  /** Draws the person's Home tab; `opened`: they opened it now (their tab then follows their jobs for an hour). */
  private async publishHome(userId: string, teamId: string, opened = true): Promise<void> {
    if (opened) {
      const key = `${teamId || 'dm'}:${userId}`;
      this.homeViewers.delete(key);
      this.homeViewers.set(key, Date.now());
      while (this.homeViewers.size > RECENT_MESSAGES) this.homeViewers.delete(this.homeViewers.keys().next().value as string);
    }
    try {
      const requester = await this.requesterFor(userId, teamId);
      const [jobs, { quota, usage }] = await Promise.all([
        this.options.jobs.jobsOf(requester, HOME_JOBS),
        this.options.jobs.quotaOf(requester),
      ]);
      const links = new Map<string, string>();
      await Promise.all(
        jobs.map(async (job) => {
          const target = toSlackTarget(job.reply);
          if (!target?.threadTs) return;
          const link = await this.client.chat.getPermalink({ channel: target.channel, message_ts: target.threadTs }).catch(() => undefined);
          if (typeof link?.permalink === 'string') links.set(job.id, link.permalink);
        }),
      );
      await this.client.views.publish({ user_id: userId, view: homeView({ jobs, links, quota, usage, help: SLACK_HELP_TEXT }) });
    } catch (error) {
      this.log(`App Home for ${userId}: ${describe(error)}`);
    }
  }

  // ---- buttons: New seed, Stronger style, Upscale, Cancel ----
  private async buttonPressed(body: unknown, action: unknown): Promise<void> {
    const press = buttonPressOf(body, action, actionName);
    if (!press) {
      this.log('button press without action, job, user or channel ignored');
      return;
    }
    const { action: name, jobId, userId, teamId } = press;
    const job = await this.options.jobs.get(jobId);
    const stored = job ? toSlackTarget(job.reply) : undefined;
    // A press on the App Home tab has no conversation: the job's own thread is where the new job goes.
    const channel = press.channel ?? stored?.channel;
    if (!channel) {
      this.log(`button press on job ${jobId} without a conversation ignored`);
      return;
    }
    const threadTs = (stored && stored.channel === channel ? stored.threadTs : undefined) ?? press.messageThreadTs;
    const replyPrivately = this.ephemeralIn(channel, userId, threadTs);
    if (![...RERUN_ACTIONS, 'cancel'].includes(name as (typeof RERUN_ACTIONS)[number]))
      return replyPrivately(say`I don't know the button "${user(name)}".`);
    const requester = await this.requesterFor(userId, teamId);
    const queuesJob = name !== 'cancel' && (await this.options.jobs.can(requester, 'manage', jobId));
    const conversation: Conversation = { target: { channel, threadTs, userId, teamId }, replyPrivately };
    await this.execute({ command: name, args: { jobId }, attachments: {} }, requester, conversation, queuesJob);
  }

  private async requesterFor(userId: string, teamId: string): Promise<Requester> {
    let entry = this.adminCache.get(userId);
    if (!entry || Date.now() - entry.at > ADMIN_CACHE_MS) {
      try {
        const info = await this.client.users.info({ user: userId });
        const member = info.user;
        entry = { admin: Boolean(member?.is_admin || member?.is_owner || member?.is_primary_owner), name: member?.name, at: Date.now() };
      } catch (error) {
        this.log(`users.info ${userId}: ${describe(error)} (treated as a regular user)`);
        entry = { admin: false, at: Date.now() };
      }
      this.adminCache.set(userId, entry);
    }
    return {
      platform: 'slack',
      workspaceId: teamId || 'dm',
      userId,
      ...(entry.name ? { userName: entry.name } : {}),
      isPlatformAdmin: this.admins.has(userId) || entry.admin,
    };
  }

  /**
   * Runs one command and delivers its reply; a command that queues a job gets a status message first. Resolves with
   * the command's answer, or undefined when it did not run (no status message could be posted where one must be).
   */
  private async execute(
    request: ParsedRequest,
    requester: Requester,
    conversation: Conversation,
    queuesJob: boolean,
  ): Promise<CommandReply | undefined> {
    const { target } = conversation;
    let statusTs: string | undefined;
    let threadTs = target.threadTs;
    if (queuesJob) {
      try {
        const posted = await this.client.chat.postMessage({
          channel: target.channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: fallbackText(say`Got it, ${mention(requester.userId)}: checking your request…`),
        });
        statusTs = typeof posted.ts === 'string' ? posted.ts : undefined;
        threadTs = threadTs ?? statusTs;
      } catch (error) {
        if (!threadTs || conversation.requireStatus) {
          await conversation.replyPrivately(notInChannelHint(error));
          return undefined;
        }
        this.log(`could not post a status message: ${describe(error)}`);
      }
    }
    const reply: SlackReplyTarget = { channel: target.channel, threadTs: threadTs ?? '', userId: target.userId, teamId: target.teamId };
    if (statusTs) reply.statusTs = statusTs;

    const answer = await runCommand({ requester, ...request, reply: { ...reply } }, this.options.context);
    if (answer.jobId) {
      await this.reporter?.showQueuedReply(answer.jobId, reply, answer);
      return answer;
    }
    if (statusTs) {
      await this.client.chat
        .delete({ channel: target.channel, ts: statusTs })
        .catch((error: unknown) => this.log(`could not delete status message: ${describe(error)}`));
    }
    await this.deliver(answer, conversation, threadTs);
    return answer;
  }

  private async deliver(answer: CommandReply, conversation: Conversation, threadTs: string | undefined): Promise<void> {
    const { target } = conversation;
    const thread = threadTs ? { thread_ts: threadTs } : {};
    if (answer.image) {
      await this.client.filesUploadV2({
        channel_id: target.channel,
        ...thread,
        file: Buffer.from(answer.image.data),
        filename: answer.image.name,
        title: answer.image.name,
        initial_comment: fallbackText(answer.text),
      });
      if (answer.buttons?.length) {
        await this.client.chat.postMessage({
          channel: target.channel,
          ...thread,
          text: 'Options:',
          blocks: messageBlocks(plain('Options:'), answer.buttons),
        });
      }
      return;
    }
    if (answer.private) return conversation.replyPrivately(answer.text);
    if (conversation.replyPublicly && !answer.buttons?.length) return conversation.replyPublicly(answer.text);
    await this.client.chat.postMessage({
      channel: target.channel,
      ...thread,
      text: fallbackText(answer.text),
      blocks: messageBlocks(answer.text, answer.buttons),
    });
  }

  private ephemeralIn(channel: string, userId: string, threadTs: string | undefined): (text: RichText) => Promise<void> {
    return async (text) => {
      const thread = threadTs ? { thread_ts: threadTs } : {};
      await this.client.chat.postEphemeral({ channel, user: userId, ...thread, text: fallbackText(text), blocks: messageBlocks(text) });
    };
  }
}

/** A started SlackBot: new SlackBot(options), then start(); rejects as start() does. */
export async function startSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const bot = new SlackBot(options);
  await bot.start();
  return bot;
}

function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function notInChannelHint(error: unknown): RichText {
  const reason = describe(error);
  if (reason === 'not_in_channel' || reason === 'channel_not_found') {
    return say`I am not in this channel yet: invite me with ${code('/invite @stylebot')}, then try again.`;
  }
  return say`I could not post in this channel (${reason}).`;
}

const NO_IMAGE = say`That message has no image I can read. Use it on a message with a photo uploaded to Slack (JPEG, PNG or WebP); images behind links are not files I can open.`;

/** How many recent jobs the App Home tab shows. */
const HOME_JOBS = 5;
/** How long after someone opened the Home tab it is drawn again as their jobs move on. */
const HOME_VIEWER_MS = 60 * 60_000;

/** A message shortcut's payload: who used it, on which message, and the message's images. */
interface MessageShortcutInfo {
  channel: string;
  /** The thread the answer goes to: the message's thread, else the message itself. */
  threadTs: string;
  userId: string;
  teamId: string;
  triggerId: string;
  images: SlackImageRef[];
}

function shortcutOf(body: unknown): MessageShortcutInfo | undefined {
  const b = (body ?? {}) as {
    channel?: { id?: unknown };
    user?: { id?: unknown; team_id?: unknown };
    team?: { id?: unknown } | null;
    trigger_id?: unknown;
    message?: { ts?: unknown; thread_ts?: unknown; files?: unknown };
  };
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const channel = str(b.channel?.id);
  const userId = str(b.user?.id);
  const ts = str(b.message?.ts);
  if (!channel || !userId || !ts) return undefined;
  return {
    channel,
    threadTs: str(b.message?.thread_ts) ?? ts,
    userId,
    teamId: str(b.team?.id) ?? str(b.user?.team_id) ?? '',
    triggerId: str(b.trigger_id) ?? '',
    images: imagesOf(b.message?.files),
  };
}

export type { SlackReplyTarget } from './status.js';
