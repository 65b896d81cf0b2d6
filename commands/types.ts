// Platform-neutral command contract. Handlers in commands/ receive a parsed request and answer through
// plain data (commands/reply.ts); they never import discord.js or Bolt. The adapters in src/platforms/ turn interactions and
// mentions into CommandRequests, and CommandReplies and job events into API calls.

import type { JobService, Requester, ReplyTarget } from '../src/jobs/types.js';
import type { Logger } from '../src/logger.js';
import type { Reply } from './reply.js';

export type { ActionButton, Reply, ReplyImage, RichText, Run } from './reply.js';

/** An image (or any file) the user attached; bytes are fetched only when a handler needs them. */
export interface Attachment {
  name: string;
  contentType?: string;
  /** Size in bytes as the platform reports it (checked before downloading). */
  size: number;
  fetch(): Promise<Uint8Array>;
}

export type ArgValue = string | number | boolean;

export interface CommandRequest {
  requester: Requester;
  /** Command name: stylize, artists, jobs, cancel, compare, help, quota, artist, stats. */
  command: string;
  /** Sub-command, e.g. "set" for /quota set, "add" for /artist add. */
  subcommand?: string;
  /** Named options as the platform parsed them (Discord options, or Slack words like "iterations 300"). */
  args: Record<string, ArgValue | undefined>;
  /** Attachments by option name (Discord: content, style, style2, style3, image, image1, image2) or in order
   *  (Slack: "0", "1", ...; the first image is the content, the rest are styles). */
  attachments: Record<string, Attachment>;
  /** Where job progress and results must go; stored with the job. */
  reply: ReplyTarget;
}

/** Why a command refused: one row of the outcome catalogue (src/errors/catalogue.ts gives its status and level). */
export type { RefusalCode } from '../src/errors/catalogue.js';
import type { RefusalCode } from '../src/errors/catalogue.js';

/** A command's answer: its text, buttons and image (commands/reply.ts), and how the adapter must send it. */
export interface CommandReply extends Reply {
  /** Set when the command refused; text says why in the user's words. */
  code?: RefusalCode;
  /** Only the requester sees it (Discord ephemeral, Slack chat.postEphemeral). */
  private?: boolean;
  /** Set when the command queued a job: the adapter keeps its status message in place for progress edits. */
  jobId?: string;
}

export interface CommandContext {
  jobs: JobService;
  /** Limits for attachments before and after download. */
  limits: { maxImageBytes: number; maxImagePixels: number };
  /** Options a /stylize gets when the user names none (STYLEBOT_DEFAULT_SIZE, STYLEBOT_DEFAULT_ITERATIONS); budget
   *  (optional, STYLEBOT_TARGET_JOB_S): seconds of painting for a job that names neither budget nor iterations.
   *  progressEvery (optional): iterations between progress updates with a preview (engine default when absent). */
  defaults: { size: number; iterations: number; budget?: number; progressEvery?: number };
  /** Where internal errors are logged with their error id (the process's one logger); default: JSON on stderr. */
  logger?: Logger;
  /** Null when a job of this size and iterations fits the job time limit by the engine's estimate, else a sentence
   *  for the requester with the estimate and a size that fits (src/engine/estimate.ts). Absent: no check. */
  refuseOverLimit?: (job: { size: number; iterations: number; budget?: number }) => string | null;
}

export type CommandHandler = (request: CommandRequest, context: CommandContext) => Promise<CommandReply>;

/** What a job's status message shows, built from job events by commands/progress.ts for both platforms. */
export interface StatusView extends Reply {
  /** True for the last update of a job (done, failed, cancelled). */
  final: boolean;
}
