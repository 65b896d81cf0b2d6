// The Slack adapter (Bolt): mentions, the /stylize slash command and button presses become command calls;
// command replies and job events become messages in the asker's thread. All Slack knowledge lives here and in
// the files beside it. Socket Mode when an app token is given, else the HTTP receiver (signed requests).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import { metrics } from '../../metrics.js';
import { runCommand } from '../../../commands/index.js';
import { RERUN_ACTIONS } from '../../../commands/buttons.js';
import { code, join, mention, plain, type RichText, say, user } from '../../../commands/reply.js';
import type { ArgValue, Attachment, CommandContext, CommandReply } from '../../../commands/types.js';
import type { JobService, Requester } from '../../jobs/types.js';
import { ACTION_ID_PATTERN, actionName, fallbackText, messageBlocks } from './render.js';
import { slackAttachments, type SlackFileSource } from './files.js';
import { guardSlackRequests } from './http-guard.js';
import { fileOrigins, SLACK_FILE_ORIGINS } from '../shared/platform-fetch.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { SLACK_HELP_TEXT } from './help.js';
import { parseMention } from './request.js';
import { describe, SlackStatusReporter, toSlackTarget, type SlackReplyTarget } from './status.js';

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
}

export interface SlackBot {
  app: App;
  /** The HTTP port listened on (HTTP mode). */
  port?: number;
  /** True while the bot can hear Slack: its Socket Mode connection is open, or its HTTP receiver listens. */
  ready(): boolean;
  stop(): Promise<void>;
}

/** Where an answer goes, and how to answer only the asker. */
interface Conversation {
  target: { channel: string; threadTs?: string; userId: string; teamId: string };
  replyPrivately(text: RichText): Promise<void>;
  /** Slash commands answer through response_url; mentions and buttons in the thread. */
  replyPublicly?: (text: RichText) => Promise<void>;
}

interface ParsedRequest {
  command: string;
  subcommand?: string;
  args: Record<string, ArgValue>;
  attachments: Record<string, Attachment>;
}

const ADMIN_CACHE_MS = 5 * 60_000;

export async function startSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const { botToken, appToken, jobs, context } = options;
  const socketMode = Boolean(appToken);
  if (!botToken) throw new Error('SLACK_BOT_TOKEN is missing: the bot token (xoxb-...) from the Slack app settings.');
  if (!socketMode && !options.signingSecret) {
    throw new Error('SLACK_SIGNING_SECRET is missing: HTTP mode needs it to check requests (or set SLACK_APP_TOKEN for Socket Mode).');
  }
  const admins = new Set(options.admins ?? envList(process.env.STYLEBOT_ADMINS));
  const logger = options.logger ?? context.logger ?? defaultLogger();
  const log = (message: string) => logger.warn({ platform: 'slack' }, message);
  const fileSource: SlackFileSource = {
    botToken,
    maxBytes: context.limits.maxImageBytes,
    allowedOrigins: fileOrigins(SLACK_FILE_ORIGINS, options.apiUrl),
    logger,
  };

  // HTTP mode: our receiver, whose request listener is wrapped by the guard (body cap, clock window, signature,
  // event shape) before Bolt parses anything.
  const receiver = socketMode ? undefined : new HTTPReceiver({ signingSecret: options.signingSecret!, logLevel: options.logLevel ?? LogLevel.WARN });
  if (receiver) {
    receiver.requestListener = guardSlackRequests(receiver.requestListener, {
      signingSecret: options.signingSecret!,
      logger,
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    });
  }
  const app = new App({
    token: botToken,
    ...(socketMode ? { socketMode: true, appToken } : { receiver }),
    deferInitialization: true,
    logLevel: options.logLevel ?? LogLevel.WARN,
    clientOptions: {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      retryConfig: { retries: options.retries ?? 5, factor: 2, minTimeout: 1000, maxTimeout: 20_000, randomize: true },
    },
  });
  // auth.test: a wrong token fails here, at start, with Slack's reason.
  await app.init();
  const client = app.client;
  client.on(webApi.WebClientEvent.RATE_LIMITED, () => metrics.rateLimited('slack'));

  const reporter = new SlackStatusReporter({
    client,
    previewIntervalMs: options.previewIntervalMs,
    maxPreviews: options.maxPreviews,
    minEditMs: options.minEditMs,
    log,
  });
  const unsubscribe = jobs.onEvents('slack', reporter.onEvent);

  const seenEvents = new Set<string>();
  function alreadySeen(eventId: string | undefined): boolean {
    if (!eventId) return false;
    if (seenEvents.has(eventId)) return true;
    seenEvents.add(eventId);
    if (seenEvents.size > 1000) seenEvents.delete(seenEvents.values().next().value as string);
    return false;
  }

  const adminCache = new Map<string, { admin: boolean; name?: string; at: number }>();
  async function requesterFor(userId: string, teamId: string): Promise<Requester> {
    let entry = adminCache.get(userId);
    if (!entry || Date.now() - entry.at > ADMIN_CACHE_MS) {
      try {
        const info = await client.users.info({ user: userId });
        const user = info.user;
        entry = { admin: Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner), name: user?.name, at: Date.now() };
      } catch (error) {
        log(`users.info ${userId}: ${describe(error)} (treated as a regular user)`);
        entry = { admin: false, at: Date.now() };
      }
      adminCache.set(userId, entry);
    }
    return {
      platform: 'slack',
      workspaceId: teamId || 'dm',
      userId,
      ...(entry.name ? { userName: entry.name } : {}),
      isPlatformAdmin: admins.has(userId) || entry.admin,
    };
  }

  function canPress(jobId: string, requester: Requester): Promise<boolean> {
    return jobs.can(requester, 'manage', jobId);
  }

  /** Runs one command and delivers its reply; a command that queues a job gets a status message first. */
  async function execute(request: ParsedRequest, requester: Requester, conversation: Conversation, queuesJob: boolean): Promise<void> {
    const { target } = conversation;
    let statusTs: string | undefined;
    let threadTs = target.threadTs;
    if (queuesJob) {
      try {
        const posted = await client.chat.postMessage({
          channel: target.channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          text: fallbackText(say`Got it, ${mention(requester.userId)}: checking your request…`),
        });
        statusTs = typeof posted.ts === 'string' ? posted.ts : undefined;
        threadTs = threadTs ?? statusTs;
      } catch (error) {
        if (!threadTs) {
          await conversation.replyPrivately(notInChannelHint(error));
          return;
        }
        log(`could not post a status message: ${describe(error)}`);
      }
    }
    const reply: SlackReplyTarget = { channel: target.channel, threadTs: threadTs ?? '', userId: target.userId, teamId: target.teamId };
    if (statusTs) reply.statusTs = statusTs;

    const answer = await runCommand({ requester, ...request, reply: { ...reply } }, context);
    if (answer.jobId) {
      await reporter.showQueuedReply(answer.jobId, reply, answer);
      return;
    }
    if (statusTs) {
      await client.chat.delete({ channel: target.channel, ts: statusTs }).catch((error: unknown) => log(`could not delete status message: ${describe(error)}`));
    }
    await deliver(answer, conversation, threadTs);
  }

  async function deliver(answer: CommandReply, conversation: Conversation, threadTs: string | undefined): Promise<void> {
    const { target } = conversation;
    const thread = threadTs ? { thread_ts: threadTs } : {};
    if (answer.image) {
      await client.filesUploadV2({
        channel_id: target.channel,
        ...thread,
        file: Buffer.from(answer.image.data),
        filename: answer.image.name,
        title: answer.image.name,
        initial_comment: fallbackText(answer.text),
      });
      if (answer.buttons?.length) {
        await client.chat.postMessage({ channel: target.channel, ...thread, text: 'Options:', blocks: messageBlocks(plain('Options:'), answer.buttons) });
      }
      return;
    }
    if (answer.private) return conversation.replyPrivately(answer.text);
    if (conversation.replyPublicly && !answer.buttons?.length) return conversation.replyPublicly(answer.text);
    await client.chat.postMessage({ channel: target.channel, ...thread, text: fallbackText(answer.text), blocks: messageBlocks(answer.text, answer.buttons) });
  }

  function ephemeralIn(channel: string, user: string, threadTs: string | undefined): (text: RichText) => Promise<void> {
    return async (text) => {
      await client.chat.postEphemeral({ channel, user, ...(threadTs ? { thread_ts: threadTs } : {}), text: fallbackText(text), blocks: messageBlocks(text) });
    };
  }

  // ---- @stylebot mentions in channels, and any message in a direct conversation with the bot ----
  async function takeMessage(kind: string, event: unknown, body: unknown, botUserId: string | undefined): Promise<void> {
    // Slack re-sends an event whose ack came late (a busy moment); take each event once. A retry of an event
    // we never saw (the bot was down) is still taken.
    if (alreadySeen(stringField((body as { event_id?: unknown }).event_id))) return;
    const raw = event as Record<string, unknown>;
    const channel = stringField(raw.channel);
    const ts = stringField(raw.ts);
    if (!channel || !ts) {
      log(`${kind} without channel or ts ignored: ${JSON.stringify(raw).slice(0, 300)}`);
      return;
    }
    const threadTs = stringField(raw.thread_ts) ?? ts;
    const userId = stringField(raw.user);
    if (!userId) {
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: fallbackText(plain('I could not tell who sent that message, so I cannot take it. Please try again.')) });
      return;
    }
    const teamId = stringField((body as { team_id?: unknown }).team_id) ?? stringField(raw.team) ?? '';
    const replyPrivately = ephemeralIn(channel, userId, threadTs);
    const parsed = parseMention(typeof raw.text === 'string' ? raw.text : '', botUserId);
    if (parsed.errors.length > 0) return replyPrivately(join(parsed.errors, '\n'));
    if (parsed.command === 'help') return replyPrivately(SLACK_HELP_TEXT);

    const files = slackAttachments(raw.files, fileSource);
    if (!files.ok) return replyPrivately(files.message);
    const requester = await requesterFor(userId, teamId);
    const request: ParsedRequest = { command: parsed.command, subcommand: parsed.subcommand, args: parsed.args, attachments: files.attachments };
    const queuesJob = parsed.command === 'stylize' && (Object.keys(files.attachments).length > 0 || parsed.args.artist !== undefined);
    await execute(request, requester, { target: { channel, threadTs, userId, teamId }, replyPrivately }, queuesJob);
  }

  app.event('app_mention', async ({ event, body, context: boltContext }) => {
    await takeMessage('app_mention', event, body, boltContext.botUserId);
  });

  // In a direct conversation every message is for the bot: no mention needed (and Slack sends no app_mention
  // there). Only what a person wrote (a plain message, or one with files); never edits, deletions or anything a
  // bot posted, the bot's own included.
  app.event('message', async ({ event, body, context: boltContext }) => {
    const raw = event as unknown as Record<string, unknown>;
    if (raw.channel_type !== 'im' || raw.bot_id !== undefined) return;
    if (raw.subtype !== undefined && raw.subtype !== 'file_share') return;
    if (boltContext.botUserId && raw.user === boltContext.botUserId) return;
    await takeMessage('direct message', raw, body, boltContext.botUserId);
  });

  // ---- /stylize: the forms that need no image ----
  app.command('/stylize', async ({ command, ack, respond, context: boltContext }) => {
    await ack();
    const replyPrivately = async (text: RichText) => {
      await respond({ response_type: 'ephemeral', text: fallbackText(text), blocks: messageBlocks(text) });
    };
    const replyPublicly = async (text: RichText) => {
      await respond({ response_type: 'in_channel', text: fallbackText(text), blocks: messageBlocks(text) });
    };
    const parsed = parseMention(command.text ?? '', boltContext.botUserId);
    if (parsed.errors.length > 0) return replyPrivately(join(parsed.errors, '\n'));
    if (parsed.command === 'help') return replyPrivately(SLACK_HELP_TEXT);
    if (parsed.command === 'stylize' && parsed.args.artist === undefined) {
      return replyPrivately(
        say`Slash commands cannot carry images. Mention me (${code('@stylebot')}) in a message with your photo and a painting attached, or name an artist: ${code('/stylize artist monet')} paints a texture in the style of one of their works.`,
      );
    }
    if (parsed.command === 'compare' || (parsed.command === 'artist' && parsed.subcommand === 'add')) {
      return replyPrivately(say`${code(parsed.command)} needs images: mention me in a message with the images attached.`);
    }
    const requester = await requesterFor(command.user_id, command.team_id);
    const request: ParsedRequest = { command: parsed.command, subcommand: parsed.subcommand, args: parsed.args, attachments: {} };
    const conversation: Conversation = {
      target: { channel: command.channel_id, userId: command.user_id, teamId: command.team_id },
      replyPrivately,
      replyPublicly,
    };
    await execute(request, requester, conversation, parsed.command === 'stylize');
  });

  // ---- buttons: New seed, Stronger style, Cancel ----
  app.action({ type: 'block_actions', action_id: ACTION_ID_PATTERN }, async ({ ack, body, action }) => {
    await ack();
    const name = actionName(action.action_id);
    const jobId = stringField((action as { value?: unknown }).value);
    const userId = stringField(body.user?.id);
    const channel = stringField(body.channel?.id) ?? stringField((body.container as { channel_id?: unknown } | undefined)?.channel_id);
    if (!name || !jobId || !userId || !channel) {
      log(`button press without action, job, user or channel ignored`);
      return;
    }
    const teamId = stringField(body.team?.id) ?? stringField(body.user.team_id) ?? '';
    const message = body.message as { ts?: unknown; thread_ts?: unknown } | undefined;
    const job = await jobs.get(jobId);
    const stored = job ? toSlackTarget(job.reply) : undefined;
    const threadTs =
      (stored && stored.channel === channel ? stored.threadTs : undefined) ?? stringField(message?.thread_ts) ?? stringField(message?.ts);
    const replyPrivately = ephemeralIn(channel, userId, threadTs);
    if (![...RERUN_ACTIONS, 'cancel'].includes(name as (typeof RERUN_ACTIONS)[number])) return replyPrivately(say`I don't know the button "${user(name)}".`);
    const requester = await requesterFor(userId, teamId);
    const queuesJob = name !== 'cancel' && (await canPress(jobId, requester));
    await execute(
      { command: name, args: { jobId }, attachments: {} },
      requester,
      { target: { channel, threadTs, userId, teamId }, replyPrivately },
      queuesJob,
    );
  });

  app.error(async (error) => {
    log(`unhandled error: ${describe(error)}`);
  });

  let port: number | undefined;
  if (socketMode) {
    await app.start();
  } else {
    const server = (await app.start({ port: options.port ?? 3000, ...(options.host ? { host: options.host } : {}) })) as Server;
    port = (server.address() as AddressInfo).port;
  }

  let stopped = false;
  return {
    app,
    port,
    ready() {
      if (stopped) return false;
      if (!socketMode) return true;
      // Bolt keeps its Socket Mode receiver private; its client's web socket says whether the connection is open.
      const receiver = (app as unknown as { receiver?: { client?: { websocket?: { isActive(): boolean } } } }).receiver;
      return receiver?.client?.websocket?.isActive() === true;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await app.stop().catch((error: unknown) => log(`stop: ${describe(error)}`));
      await Promise.race([reporter.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    },
  };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
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

export type { SlackReplyTarget } from './status.js';
