// Job events -> the job's Slack thread: the status message edited in place (chat.update) with statusView's text
// and buttons, a few preview images uploaded as the run goes (rate-limited), the final image uploaded with the
// settings. Events of one job are handled one after another so edits land in order. The final event supersedes
// previews: none starts once it has arrived, it waits only for one already on its way (whose upload never waits
// out a rate limit), and so no preview is ever posted after the job's final result.
import type { webApi } from '@slack/bolt';
import { previewCaption, statusView } from '../../../commands/progress.js';
import type { RichText } from '../../../commands/reply.js';
import type { ActionButton, CommandReply } from '../../../commands/types.js';
import type { Job, JobEvent, ReplyTarget } from '../../jobs/types.js';
import { fallbackText, messageBlocks } from './render.js';

type WebClient = webApi.WebClient;

/** What the Slack adapter stores with each job. */
export interface SlackReplyTarget {
  channel: string;
  threadTs: string;
  /** The status message edited in place. */
  statusTs?: string;
  userId: string;
  teamId: string;
}

export function toSlackTarget(reply: ReplyTarget): SlackReplyTarget | undefined {
  const { channel, threadTs, statusTs, userId, teamId } = reply as Record<string, unknown>;
  if (typeof channel !== 'string' || typeof threadTs !== 'string') return undefined;
  return {
    channel,
    threadTs,
    statusTs: typeof statusTs === 'string' ? statusTs : undefined,
    userId: typeof userId === 'string' ? userId : '',
    teamId: typeof teamId === 'string' ? teamId : '',
  };
}

export interface StatusReporterOptions {
  client: WebClient;
  /** The client for preview uploads: one that neither retries nor waits out a rate limit (default: client). */
  previewClient?: WebClient;
  /** Least time between two preview uploads of one job (Slack rate-limits uploads). Default 20 s. */
  previewIntervalMs?: number;
  /** Most preview uploads per job. Default 3. */
  maxPreviews?: number;
  /** Least time between two progress edits of one status message. Default 1 s. */
  minEditMs?: number;
  log?: (message: string) => void;
}

interface JobThread {
  chain: Promise<void>;
  /** A status message posted anew when the stored one could not be edited. */
  statusTs?: string;
  rendered: boolean;
  /** The job's final event (done, failed, cancelled) has arrived: no more previews or progress edits. */
  finished: boolean;
  /** The preview upload under way, if any. */
  preview?: Promise<void>;
  lastEditAt: number;
  lastPreviewAt: number;
  previews: number;
}

export class SlackStatusReporter {
  private readonly threads = new Map<string, JobThread>();
  private readonly previewIntervalMs: number;
  private readonly maxPreviews: number;
  private readonly minEditMs: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: StatusReporterOptions) {
    this.previewIntervalMs = options.previewIntervalMs ?? 20_000;
    this.maxPreviews = options.maxPreviews ?? 3;
    this.minEditMs = options.minEditMs ?? 1000;
    this.log = options.log ?? ((message) => console.error(`stylebot slack: ${message}`));
  }

  /**
   * The job listener. A failed Slack call is logged and the next event still goes out; for a final event (done,
   * failed, cancelled) the returned promise rejects, so the job core's outbox offers it again later.
   */
  onEvent = (job: Job, event: JobEvent): Promise<void> => {
    const thread = this.thread(job.id);
    // At once, not in turn: progress events still waiting in the chain are superseded too.
    if (isFinal(event)) thread.finished = true;
    const run = thread.chain.then(() => this.render(job, event, thread));
    thread.chain = run.catch((error: unknown) => this.log(`job ${job.id}, ${event.type} event: ${describe(error)}`));
    return isFinal(event) ? run : thread.chain;
  };

  /**
   * The command reply of a freshly queued job (text with the queue position and a Cancel button) goes into its
   * status message, unless a job event already updated it (then the event is newer).
   */
  showQueuedReply(jobId: string, target: SlackReplyTarget, reply: CommandReply): Promise<void> {
    const thread = this.thread(jobId);
    thread.chain = thread.chain
      .then(async () => {
        if (thread.rendered) return;
        thread.rendered = true;
        await this.editStatus(target, thread, reply.text, reply.buttons);
      })
      .catch((error: unknown) => this.log(`job ${jobId}, queued reply: ${describe(error)}`));
    return thread.chain;
  }

  /** Waits until every event handed over so far went out (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.threads.values()].flatMap((t) => [t.chain, t.preview]));
  }

  private thread(jobId: string): JobThread {
    let thread = this.threads.get(jobId);
    if (!thread) {
      thread = { chain: Promise.resolve(), rendered: false, finished: false, lastEditAt: 0, lastPreviewAt: 0, previews: 0 };
      this.threads.set(jobId, thread);
    }
    return thread;
  }

  private async render(job: Job, event: JobEvent, thread: JobThread): Promise<void> {
    const target = toSlackTarget(job.reply);
    if (!target) {
      this.log(`job ${job.id} has no Slack thread to answer in`);
      return;
    }
    const view = statusView(job, event);
    if (!view || (thread.finished && !view.final)) return;
    // A preview already on its way lands before the result; none starts after it.
    if (view.final) await thread.preview;
    const now = Date.now();
    const isProgress = event.type === 'progress' && !view.final;

    if (!isProgress || now - thread.lastEditAt >= this.minEditMs) {
      thread.rendered = true;
      thread.lastEditAt = now;
      await this.editStatus(target, thread, view.text, view.buttons);
    }

    const previewDue = thread.previews < this.maxPreviews && now - thread.lastPreviewAt >= this.previewIntervalMs && !thread.preview;
    if (event.type === 'progress' && view.image && isProgress && previewDue) {
      thread.previews += 1;
      thread.lastPreviewAt = now;
      // Off the chain: the next event (the final one above all) need not wait for it.
      const caption = previewCaption(event.progress);
      const client = this.options.previewClient ?? this.options.client;
      thread.preview = this.upload(target, view.image, caption, client)
        .catch((error: unknown) => this.log(`preview upload of job ${job.id} failed (dropped): ${describe(error)}`))
        .finally(() => (thread.preview = undefined));
    }

    if (view.final) {
      const image = view.image ?? (event.type === 'done' ? { data: event.png, name: `stylebot-${job.id}.png` } : undefined);
      // A failed upload rejects: the outbox tries the whole final event again later (the edit repeats harmlessly).
      if (image) await this.upload(target, image, view.text);
      // Kept a while so a late command reply cannot turn the finished status back to "queued".
      setTimeout(() => this.threads.delete(job.id), 10 * 60_000).unref();
    }
  }

  /** Edits the status message; when it is gone (deleted, never posted) posts a new one in the thread. */
  private async editStatus(target: SlackReplyTarget, thread: JobThread, text: RichText, buttons?: ActionButton[]): Promise<void> {
    const { client } = this.options;
    const ts = thread.statusTs ?? target.statusTs;
    const blocks = messageBlocks(text, buttons);
    if (ts) {
      try {
        await client.chat.update({ channel: target.channel, ts, text: fallbackText(text), blocks });
        return;
      } catch (error) {
        this.log(`could not edit status message ${ts} (${describe(error)}); posting a new one`);
      }
    }
    const posted = await client.chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text: fallbackText(text), blocks });
    if (typeof posted.ts === 'string') thread.statusTs = posted.ts;
  }

  private async upload(
    target: SlackReplyTarget,
    image: { data: Uint8Array; name: string },
    comment: RichText,
    client = this.options.client,
  ): Promise<void> {
    await client.filesUploadV2({
      channel_id: target.channel,
      thread_ts: target.threadTs,
      file: Buffer.from(image.data),
      filename: image.name,
      title: image.name,
      initial_comment: fallbackText(comment),
    });
  }
}

/** done, failed, cancelled (and the outbox's notice when those could not be delivered). */
function isFinal(event: JobEvent): boolean {
  return event.type === 'done' || event.type === 'failed' || event.type === 'cancelled' || event.type === 'undeliverable';
}

export function describe(error: unknown): string {
  if (error && typeof error === 'object') {
    const data = (error as { data?: { error?: unknown } }).data;
    if (data && typeof data.error === 'string') return data.error;
    if (error instanceof Error) return error.message;
  }
  return String(error);
}
