// The contract between the chat side (commands/, src/platforms/) and the job core (src/jobs/, db/).
// The job core knows nothing of Discord or Slack: a reply target is an opaque JSON object that only
// the platform adapter that created it interprets.

import type { LossParts, StylizeOptions } from '../engine/types.js';

/** Where a requester comes from; 'web' is the studio (src/platforms/web). */
export type Platform = 'discord' | 'slack' | 'web' | 'cli';
export type Role = 'admin' | 'user';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Who is acting. workspaceId is the Discord guild id or the Slack team id ("dm" outside a guild). */
export interface Requester {
  platform: Platform;
  workspaceId: string;
  userId: string;
  userName?: string;
  /** True when the platform says so (Manage Server / workspace admin) or the id is in STYLEBOT_ADMINS. */
  isPlatformAdmin?: boolean;
}

/** Where to answer: platform-specific, stored as JSON with the job so a restart can still deliver. */
export type ReplyTarget = Record<string, unknown>;

export interface JobStyleInput {
  image: Uint8Array;
  weight: number;
  name: string;
}

export interface JobInputs {
  /** Encoded content image; absent = texture synthesis. */
  content?: Uint8Array;
  contentName?: string;
  /** Uploaded style images; may be empty when artist is set. */
  styles: JobStyleInput[];
  /** Artist mode: the job core picks one of the artist's works (seeded) when the job is accepted. */
  artist?: string;
  options: Partial<StylizeOptions>;
}

export interface JobProgress {
  iteration: number;
  total: number;
  losses?: LossParts;
  elapsedMs: number;
  /** Time left, measured on this job's own iterations (eta.ts); absent until two progress events have been seen. */
  etaMs?: number;
  /** The scale being painted (multi-scale runs): index 1..count and its longest side in px. */
  scale?: { index: number; count: number; size: number };
}

export interface Job {
  id: string;
  platform: Platform;
  workspaceId: string;
  userId: string;
  userName?: string;
  reply: ReplyTarget;
  state: JobState;
  priority: number;
  options: Partial<StylizeOptions>;
  /** The resolved style names (file names, or "artist/work.jpg" in artist mode). */
  styleNames: string[];
  artist?: string;
  /** The artwork used in artist mode, e.g. "monet/water_lilies.jpg". */
  artwork?: string;
  /** The job this one re-runs (New seed, Stronger style, Upscale). */
  parentId?: string;
  /** Times the job was started (leased by a worker); a job whose worker died is retried, failed after 3. */
  attempts: number;
  /** Name of the worker process running the job (or that ran it last). */
  worker?: string;
  progress?: JobProgress;
  /** Absolute path of the output PNG once done (until retention purges it). */
  resultPath?: string;
  /** Statistics of the finished run (width, height, backend, ms per iteration, losses, seed). */
  result?: JobResultInfo;
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Engine milliseconds charged to the user (done jobs only). */
  gpuMs: number;
}

export interface JobResultInfo {
  width: number;
  height: number;
  iterations: number;
  backend: string;
  msPerIteration: number;
  seed: number;
  losses: { initial: LossParts; final: LossParts };
  /** The scales painted, smallest first (absent for jobs from before multi-scale). */
  scales?: { size: number; iterations: number }[];
  /** The style images the engine used, when it chose among several (artist pick 'closest'). */
  styles?: string[];
}

/** Events the job core emits. Adapters subscribe per platform, so events of jobs recovered after a restart still reach them. */
export type JobEvent =
  | { type: 'queued'; position: number }
  | { type: 'position'; position: number }
  | { type: 'started' }
  /** Throttled for subscribers (at most one every STYLEBOT_PROGRESS_MS, default 3000 ms, plus the last). */
  | { type: 'progress'; progress: JobProgress; preview?: Uint8Array }
  | { type: 'done'; png: Uint8Array }
  | { type: 'failed'; error: string }
  | { type: 'cancelled'; by: string }
  /** The final message of a job could not be delivered within the outbox's limit: tell the user where to find it. */
  | { type: 'undeliverable'; kind: 'done' | 'failed' | 'cancelled'; message: string };

export type JobListener = (job: Job, event: JobEvent) => void | Promise<void>;

/** What /healthz reports: whether the database takes writes and what each engine worker is doing. */
export interface ServiceHealth {
  database: { writable: boolean; error?: string };
  /** One entry per engine worker thread; backend is the tfjs backend it started (null: not known yet or failed). */
  workers: { alive: boolean; busy: boolean; backend: string | null }[];
}

export interface Quota {
  jobsPerDay: number;
  gpuSecondsPerDay: number;
  maxQueued: number;
  maxSize: number;
  maxIterations: number;
}

export interface UserUsage {
  jobsToday: number;
  gpuSecondsToday: number;
  queuedNow: number;
  /** Epoch ms when the daily counters reset (next UTC midnight). */
  resetsAt: number;
}

import type { Refusal } from '../errors/catalogue.js';

export type EnqueueResult =
  | { ok: true; job: Job; position: number }
  /** message is the user-facing explanation (which limit, the usage, when it resets; or an apology with its id). */
  | Refusal;

export interface UsageStats {
  perUser: { platform: Platform; workspaceId: string; userId: string; jobs: number; gpuSeconds: number }[];
  perDay: { day: string; jobs: number; gpuSeconds: number }[];
}

/** The Gram-matrix style distance of two images (src/engine/distance.ts): total and per style layer. */
export interface StyleDistance {
  total: number;
  perLayer: number[];
}

/** A user of one workspace on one platform. */
export interface UserRef {
  platform: Platform;
  workspaceId: string;
  userId: string;
}

/** What a requester may do to a job: see src/jobs/access.ts. */
export type JobAction = 'cancel' | 'rerun' | 'manage' | 'admin';

/**
 * What commands/ and the adapters use. Implemented by src/jobs/service.ts. Reads return Promises: the store may be
 * a PostgreSQL server shared by several hosts.
 */
export interface JobService {
  enqueue(requester: Requester, reply: ReplyTarget, inputs: JobInputs): Promise<EnqueueResult>;
  /**
   * Listen to every event of jobs from one platform, including jobs recovered after a restart. The final events
   * (done, failed, cancelled) come from the durable outbox: a listener that throws or rejects for one of them tells
   * the outbox it was not delivered, and it is offered again later (possibly after a restart) until accepted.
   */
  onEvents(platform: Platform, listener: JobListener): () => void;
  /**
   * Queues a copy of a job (same inputs) with changed options, e.g. a new seed or a higher style weight. With
   * from.result, the copy starts from the job's finished picture (request.init; set options.init 'picture'): Upscale.
   */
  rerun(
    jobId: string,
    by: Requester,
    reply: ReplyTarget,
    changes: Partial<StylizeOptions>,
    from?: { result: true },
  ): Promise<EnqueueResult>;
  cancel(jobId: string, by: Requester): Promise<{ ok: boolean; message: string }>;
  /** The one access check: may `requester` do `action` to the job (false when there is no such job)? */
  can(requester: Requester, action: JobAction, jobId: string): Promise<boolean>;
  get(jobId: string): Promise<Job | undefined>;
  /** Running jobs (position 0), then queued jobs in the order they will start (1 = next). */
  queue(): Promise<{ job: Job; position: number }[]>;
  jobsOf(requester: Requester, limit?: number): Promise<Job[]>;
  roleOf(requester: Requester): Promise<Role>;
  quotaOf(requester: Requester): Promise<{ quota: Quota; usage: UserUsage; role: Role }>;
  artists(): { name: string; works: string[] }[];
  /** A server's settings (EMPTY_SERVER_SETTINGS when none were chosen). */
  serverSettings(platform: Platform, workspaceId: string): Promise<ServerSettingsRecord>;
  /** Reads the result PNG of a done job (undefined when purged). */
  resultImage(jobId: string): Promise<Uint8Array | undefined>;
  /**
   * Deletes a finished job's stored pictures (the job's row stays, marked purged), for its owner or an admin.
   * ok false with a sentence for the requester when there is no such job, they may not, or it is still queued or running.
   */
  deleteResult(jobId: string, by: Requester): Promise<{ ok: boolean; message: string }>;
  /**
   * The style distance of two encoded images (/compare), computed on this process's engine pool ahead of queued
   * paintings. Rejects with a message for the user when the images cannot be read or there is no engine here.
   */
  styleDistance(a: Uint8Array, b: Uint8Array): Promise<StyleDistance>;
  /** Sees every event of every platform without taking delivery from that platform's adapter (metrics). */
  observe(listener: JobListener): () => void;
  /** Database and engine worker state, for health checks. */
  health(): Promise<ServiceHealth>;
  admin: AdminOperations;
  /** Starts scheduling (and restart recovery). */
  start(): Promise<void>;
  /** Stops taking work, lets running jobs be re-run on next start, closes the database. */
  close(): Promise<void>;
}

/** What an admin chose for one server (Discord guild, Slack team); a server that chose nothing has EMPTY_SERVER_SETTINGS. */
export interface ServerSettingsRecord {
  /** Channel ids where the bot takes commands, at most 100; empty: every channel. */
  allowedChannels: string[];
  /** Seconds of painting for a job that names neither budget nor iterations (5..3600); absent: the bot's default. */
  defaultBudget?: number;
  /** Longest side in px of a job that names no size (32..4096); absent: the bot's default. */
  defaultSize?: number;
  /** Results (and status messages) shown to the requester only. */
  resultsPrivate: boolean;
}

export const EMPTY_SERVER_SETTINGS: Readonly<ServerSettingsRecord> = Object.freeze({ allowedChannels: [], resultsPrivate: false });

/** Every change is written to the audit table with the acting admin. */
export interface AdminOperations {
  /** Replaces a server's settings (admins of that server, configured admins); returns what is stored now. */
  setServerSettings(
    by: Requester,
    workspace: { platform: Platform; workspaceId: string },
    settings: ServerSettingsRecord,
  ): Promise<ServerSettingsRecord>;
  setQuota(by: Requester, target: UserRef, quota: Partial<Quota>): Promise<Quota>;
  setRole(by: Requester, target: UserRef, role: Role): Promise<void>;
  setDefaults(by: Requester, workspace: { platform: Platform; workspaceId: string }, quota: Partial<Quota>): Promise<Quota>;
  resetUsage(by: Requester, target: UserRef): Promise<void>;
  /** Reads check the role too (by: who asks); one's own quota is open to oneself. */
  showQuota(by: Requester, target: UserRef): Promise<{ quota: Quota; usage: UserUsage; role: Role }>;
  stats(by: Requester, workspaceId?: string, days?: number): Promise<UsageStats>;
  addArtwork(by: Requester, artist: string, fileName: string, image: Uint8Array): Promise<string>;
  removeArtwork(by: Requester, artist: string, work: string): Promise<void>;
  listJobs(by: Requester, filter?: { state?: JobState; userId?: string }): Promise<Job[]>;
  /** The newest audit entries first. */
  auditLog(by: Requester, limit?: number): Promise<AuditEntry[]>;
}

/** A user as the store keys them: platform, workspace and user id. */
export interface UserKey {
  platform: string;
  workspaceId: string;
  userId: string;
}

/** One admin change: who did what to which user or setting, with the values before and after. */
export interface AuditEntry {
  id: number;
  at: number;
  actor: UserKey;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}
