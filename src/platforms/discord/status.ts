// Keeps each job's status message current: edits are serialised per job, coalesced (only the newest view is sent)
// and spaced by a floor, and they fall back when the interaction message is gone (404 -> follow-up) or the
// 15-minute interaction token has run out (-> a post in the channel that is then edited).
import { DiscordAPIError, Routes, type REST } from 'discord.js';
import type { StatusView } from '../../../commands/types.js';
import { renderMessage } from './render.js';
import { DEFAULT_ATTACHMENT_LIMIT, fitUpload, isTooLarge, withoutPicture } from './upload-fit.js';
import type { DiscordReplyTarget } from './request.js';

/** Stop using an interaction token this long before it expires (an edit can take a while to upload). */
const TOKEN_MARGIN_MS = 60_000;

type MessageRef = { kind: 'webhook'; id: string } | { kind: 'channel'; channelId: string; id: string };

interface Pending {
  target: DiscordReplyTarget;
  view: StatusView;
  /** Callers waiting for this view: resolved when it is sent or replaced by a newer one, rejected when it failed. */
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class DiscordStatusMessages {
  private readonly pending = new Map<string, Pending>();
  private readonly draining = new Map<string, Promise<void>>();
  private readonly lastSent = new Map<string, number>();
  private readonly messages = new Map<string, MessageRef>();
  /** Jobs whose status message has shown at least one job event (the command's own reply must not overwrite it). */
  private readonly started = new Set<string>();

  constructor(
    private readonly rest: REST,
    private readonly options: { minEditIntervalMs: number; now?: () => number; log?: (message: string) => void },
  ) {}

  /**
   * Shows a job event's view; views of one job go out in order, the newest replacing any not yet sent. Resolves
   * when the view was sent (or replaced before it went out); rejects when Discord refused it, which for a final
   * view tells the job core's outbox to try again later. Awaiting it is optional.
   */
  show(jobId: string, target: DiscordReplyTarget, view: StatusView): Promise<void> {
    this.started.add(jobId);
    return this.enqueue(jobId, target, view);
  }

  /** Shows the command's reply for a queued job, unless a job event already updated the message. */
  showInitial(jobId: string, target: DiscordReplyTarget, view: StatusView): void {
    if (this.started.has(jobId)) return;
    void this.enqueue(jobId, target, view);
  }

  /** Resolves when every edit asked for so far has been sent (or has failed and been logged). */
  async idle(): Promise<void> {
    while (this.draining.size > 0) await Promise.allSettled([...this.draining.values()]);
  }

  private enqueue(jobId: string, target: DiscordReplyTarget, view: StatusView): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => {
      const replaced = this.pending.get(jobId);
      for (const w of replaced?.waiters ?? []) w.resolve();
      this.pending.set(jobId, { target, view, waiters: [{ resolve, reject }] });
    });
    sent.catch(() => undefined); // the failure is logged in drain(); callers that do not await it need not handle it
    if (!this.draining.has(jobId)) {
      const run = this.drain(jobId).finally(() => this.draining.delete(jobId));
      this.draining.set(jobId, run);
    }
    return sent;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async drain(jobId: string): Promise<void> {
    for (;;) {
      const next = this.pending.get(jobId);
      if (!next) return;
      if (!next.view.final) {
        const wait = (this.lastSent.get(jobId) ?? 0) + this.options.minEditIntervalMs - this.now();
        if (wait > 0) {
          await sleep(wait);
          continue; // a newer view (maybe the final one) may have arrived meanwhile
        }
      }
      this.pending.delete(jobId);
      try {
        await this.send(jobId, next.target, next.view);
        for (const w of next.waiters) w.resolve();
      } catch (error) {
        this.options.log?.(`stylebot discord: could not update the status of job ${jobId}: ${describe(error)}`);
        for (const w of next.waiters) w.reject(error);
        this.lastSent.set(jobId, this.now());
        continue; // a failed final view is offered again by the outbox; keep what we know of the message
      }
      this.lastSent.set(jobId, this.now());
      if (next.view.final) {
        this.messages.delete(jobId);
        this.lastSent.delete(jobId);
        this.started.delete(jobId);
      }
    }
  }

  private tokenUsable(target: DiscordReplyTarget): boolean {
    return this.now() < target.interactionExpiresAt - TOKEN_MARGIN_MS;
  }

  /** Sends the view with a picture that fits the interaction's upload limit; a body Discord still finds too large
   *  goes again without the picture (a delivery that can never fit must not be retried forever). */
  private async send(jobId: string, target: DiscordReplyTarget, view: StatusView): Promise<void> {
    const fitted = await fitUpload(view, target.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT);
    try {
      await this.sendView(jobId, target, fitted);
    } catch (error) {
      if (!isTooLarge(error) || !fitted.image) throw error;
      await this.sendView(jobId, target, withoutPicture(fitted, fitted.image.data.length));
    }
  }

  private async sendView(jobId: string, target: DiscordReplyTarget, view: StatusView): Promise<void> {
    const known = this.messages.get(jobId);
    if (known?.kind === 'channel') {
      if (view.final) {
        // Edits notify nobody: the result is a new post that mentions the requester; the progress post goes away.
        await this.postInChannel(jobId, target, view);
        await this.rest.delete(Routes.channelMessage(known.channelId, known.id)).catch(() => undefined);
        return;
      }
      try {
        return void (await this.patch(Routes.channelMessage(known.channelId, known.id), view, true, target.userId));
      } catch (error) {
        if (!isGone(error)) throw error;
        return this.postInChannel(jobId, target, view);
      }
    }
    if (!this.tokenUsable(target)) return this.postInChannel(jobId, target, view);

    try {
      await this.patch(Routes.webhookMessage(target.applicationId, target.interactionToken, known?.id ?? '@original'), view, false);
    } catch (error) {
      if (isExpiredToken(error)) return this.postInChannel(jobId, target, view);
      if (!isGone(error)) throw error;
      // The status message was deleted: continue in a follow-up message of the same interaction.
      try {
        const { body, files } = renderMessage(view, { mentionUser: target.userId });
        const message = (await this.rest.post(Routes.webhook(target.applicationId, target.interactionToken), {
          body,
          files,
          auth: false,
        })) as { id: string };
        this.messages.set(jobId, { kind: 'webhook', id: message.id });
      } catch (followUpError) {
        if (!isGone(followUpError) && !isExpiredToken(followUpError)) throw followUpError;
        await this.postInChannel(jobId, target, view);
      }
    }
  }

  private async patch(route: `/${string}`, view: StatusView, authenticated: boolean, mentionUser?: string): Promise<void> {
    const { body, files } = renderMessage(view, { mentionUser });
    await this.rest.patch(route, { body, files, auth: authenticated });
  }

  /** A new message in the interaction's channel (bot token), mentioning the requester; later views edit it. */
  private async postInChannel(jobId: string, target: DiscordReplyTarget, view: StatusView): Promise<void> {
    if (!target.channelId) throw new Error('the interaction expired and there is no channel to post in');
    const { body, files } = renderMessage(view, { mentionUser: target.userId });
    const message = (await this.rest.post(Routes.channelMessages(target.channelId), { body, files })) as { id: string };
    this.messages.set(jobId, { kind: 'channel', channelId: target.channelId, id: message.id });
  }
}

/** 404 Unknown Message / Unknown Webhook: the message (or the interaction reply) no longer exists. */
function isGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status === 404;
}

/** 401 Invalid Webhook Token (50027): the 15 minutes are over. */
function isExpiredToken(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.code === 50027 || error.status === 401);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
