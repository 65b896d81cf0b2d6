// The storage ports of the job core. Every method returns a Promise, because the shared implementation
// (PostgreSQL, db/postgres/) is asynchronous; the embedded one (SQLite, db/sqlite/) implements the same
// contract, checked by the contract tests in test/db/contract/ against both. db/ imports nothing from above it
// but this module, so the types a store reads and writes are re-exported here.
//
// Times are epoch milliseconds (numbers). Byte columns are Uint8Array. A "worker" is the name of one engine process
// (STYLEBOT_WORKER_NAME, default host:pid); a "front" is the name of a process that holds chat connections.
import type {
  AuditEntry,
  Job,
  JobProgress,
  JobResultInfo,
  JobState,
  Platform,
  Quota,
  ReplyTarget,
  Role,
  ServerSettingsRecord,
  UserKey,
} from './types.js';

export type { AuditEntry, Job, JobProgress, JobResultInfo, JobState, Platform, Quota, ReplyTarget, Role, ServerSettingsRecord, UserKey };

/** A style image stored with the job (its bytes are the blob named `blob`). */
export interface StoredStyle {
  /** Blob name inside the job, e.g. "style-0.jpg". */
  file: string;
  weight: number;
  name: string;
}

/** A Job plus what only the job core needs (where its inputs are, acceptance order, who holds its lease). */
export interface JobRecord extends Job {
  /** Acceptance order, for first-come among equals. */
  seq: number;
  styleFiles: StoredStyle[];
  /** Blob name of the content image; absent for texture synthesis. */
  contentFile?: string;
  contentName?: string;
  parentId?: string;
  cancelledBy?: string;
  /** True once retention removed the job's blobs. */
  filesPurged: boolean;
  /** Name of the worker holding the lease while running (kept after the job ends: who ran it last). */
  worker?: string;
  /** Lease end while running: past it, maintenance requeues (or fails) the job. */
  leaseExpiresAt?: number;
}

/** What intake stores for a new job; the store assigns seq, state 'queued', attempts 0. */
export type NewJob = Omit<
  JobRecord,
  | 'seq'
  | 'attempts'
  | 'gpuMs'
  | 'filesPurged'
  | 'state'
  | 'worker'
  | 'leaseExpiresAt'
  | 'progress'
  | 'result'
  | 'resultPath'
  | 'error'
  | 'cancelledBy'
  | 'startedAt'
  | 'finishedAt'
>;

/** The blob holding a running job's newest preview (a small JPEG; see the engine's StylizeProgress.preview). */
export const PREVIEW_BLOB = 'preview.jpg';

/** A named byte string stored with a job: inputs ("content.jpg", "style-0.png"), PREVIEW_BLOB, "result.png". */
export interface JobBlob {
  name: string;
  bytes: Uint8Array;
}

export interface UserSettings {
  role?: Role;
  quota: Partial<Quota>;
  usageResetAt?: number;
}

/** Everything the quota check of one user sees, read inside the admission transaction. */
export interface AdmissionSnapshot {
  workspaceDefaults: Partial<Quota>;
  user: UserSettings;
  /** Jobs counting against jobsPerDay since max(dayStart, usageResetAt): queued, running or done. */
  jobsToday: number;
  /** Engine ms of done jobs finished since max(dayStart, usageResetAt). */
  gpuMsToday: number;
  /** The user's jobs waiting now. */
  queuedNow: number;
}

export type AdmissionResult = { ok: true; job: JobRecord } | { ok: false; refusal: string };

/** A queued job as the scheduler sees it. */
export interface QueuedJob {
  id: string;
  seq: number;
  priority: number;
  platform: string;
  workspaceId: string;
  userId: string;
}

export type DeliveryKind = 'done' | 'failed' | 'cancelled';
export type DeliveryState = 'undelivered' | 'delivered' | 'abandoned';

/** One persisted delivery of a job's final status (and result picture) to the platform that owns the job. */
export interface Delivery {
  id: number;
  jobId: string;
  platform: string;
  kind: DeliveryKind;
  state: DeliveryState;
  /** Failed tries so far. */
  attempts: number;
  /** Not tried again before this time. */
  nextAttemptAt: number;
  /** The front that is trying it now, until claimedUntil. */
  claimedBy?: string;
  claimedUntil?: number;
  lastError?: string;
  createdAt: number;
  deliveredAt?: number;
}

export interface JobListFilter {
  state?: JobState;
  userId?: string;
  platform?: string;
  workspaceId?: string;
  /** Newest first; default 1000. */
  limit?: number;
}

export interface UsageStatsRows {
  perUser: { platform: Platform; workspaceId: string; userId: string; jobs: number; gpuSeconds: number }[];
  perDay: { day: string; jobs: number; gpuSeconds: number }[];
}

/** Result of one maintenance pass over expired leases. */
export interface LeaseRecovery {
  /** running -> queued (attempts stay counted). */
  requeued: JobRecord[];
  /** running -> failed: the lease expired on the last allowed attempt. */
  failed: JobRecord[];
}

/**
 * The job core's storage. Implementations: SqliteStore (db/sqlite/), PostgresStore (db/postgres/).
 * Errors: methods reject on storage failures (after the implementation's own retries for a busy database);
 * they never reject for "not found" or "not in that state", which are answered by undefined/false.
 */
// The store's roles, each a port of its own, sized to the part of the core that uses it. A dialect implements all
// of them (Store); each part of the core asks only for the ports it needs.

/** Jobs: admission (intake), reads, the scheduler's view of the queue, and cancelling. */
export interface JobRepository {
  /**
   * Admits a job atomically: reads the user's AdmissionSnapshot (usage counted from `since`), asks `decide` (a pure,
   * synchronous function: a refusal text or null) and, when admitted, inserts the job (state 'queued', next seq) and
   * its blobs, all in one transaction, so two fronts cannot both admit a job over a user's limit.
   */
  admitJob(job: NewJob, blobs: JobBlob[], since: number, decide: (snapshot: AdmissionSnapshot) => string | null): Promise<AdmissionResult>;

  getJob(id: string): Promise<JobRecord | undefined>;
  listJobs(filter?: JobListFilter): Promise<JobRecord[]>;
  /** Jobs in one state, oldest acceptance first. */
  jobsInState(state: JobState): Promise<JobRecord[]>;
  /** Reads one blob of a job, undefined when missing or purged. */
  getBlob(jobId: string, name: string): Promise<Uint8Array | undefined>;

  /** Every queued job, in acceptance order. */
  queuedJobs(): Promise<QueuedJob[]>;
  /** Engine ms of done jobs finished since `since`, per user (key: userKeyString). */
  gpuMsByUserSince(since: number): Promise<Map<string, number>>;

  /** queued|running -> cancelled and queues the 'cancelled' delivery. False when the job had already ended. */
  cancelJob(id: string, by: string, now: number): Promise<boolean>;
}

/** A worker's hold on the jobs it paints (the runner): lease, heartbeat, progress, and the outcome. */
export interface Leases {
  /**
   * queued -> running for `worker` until `leaseUntil`, counting the attempt; atomic, so of two workers leasing the
   * same job one gets the record and the other undefined (also undefined when the job is no longer queued).
   */
  leaseJob(id: string, worker: string, now: number, leaseUntil: number): Promise<JobRecord | undefined>;
  /** Extends the lease. False when the worker no longer holds it (cancelled, expired and requeued, ...): stop the run. */
  heartbeat(id: string, worker: string, leaseUntil: number): Promise<boolean>;
  /**
   * Saves progress (and the newest preview) of a job the worker holds. Tries once and may reject when the database
   * is busy: progress is expendable, the caller drops it.
   */
  saveProgress(id: string, worker: string, progress: JobProgress, preview?: Uint8Array): Promise<boolean>;
  /**
   * running -> done for the lease holder: stores the result blob "result.png", charges gpuMs, and queues the
   * 'done' delivery in the outbox, in one transaction. False when the worker no longer holds the job.
   */
  completeJob(id: string, worker: string, png: Uint8Array, info: JobResultInfo, gpuMs: number, now: number): Promise<boolean>;
  /** queued|running -> failed (for `worker` only, when given) and queues the 'failed' delivery. False when not. */
  failJob(id: string, error: string, now: number, worker?: string): Promise<boolean>;
  /** running -> queued for jobs this worker holds (clean shutdown); the attempts stay counted. Returns their ids. */
  releaseLeases(worker: string): Promise<string[]>;

  // Optional: what a store shared by several hosts does better than ranking and trying down a list.
  /**
   * Leases the job the fair-share order puts first (admins first, then less engine time since `usageSince`, then
   * first come) in one atomic step; undefined when none waits. Without it the runner ranks Scheduler.order() and
   * tries leaseJob() down the list.
   */
  leaseNext?(worker: string, now: number, leaseUntil: number, usageSince: number): Promise<JobRecord | undefined>;
}

/** Finished jobs' deliveries to the platforms, retried until one is accepted (src/jobs/outbox.ts). */
export interface Outbox {
  /**
   * Claims up to `limit` undelivered deliveries of these platforms that are due (nextAttemptAt <= now) and not
   * claimed by a live claim, for `front` until `claimUntil`; atomic (a delivery is claimed by one front at a time).
   */
  claimDeliveries(platforms: string[], front: string, now: number, claimUntil: number, limit: number): Promise<Delivery[]>;
  /** undelivered -> delivered (only for the claim holder). */
  markDelivered(id: number, front: string, now: number): Promise<boolean>;
  /** A failed try: attempts + 1, next try at `nextAttemptAt`, claim dropped. */
  deliveryFailed(id: number, front: string, error: string, nextAttemptAt: number): Promise<boolean>;
  /** undelivered -> abandoned: the limit passed (the user is told where to find the result). */
  abandonDelivery(id: number, front: string, error: string, now: number): Promise<boolean>;
  /** Drops the claims a front holds (it restarted: whatever it was doing is no longer in progress). */
  releaseClaims(front: string): Promise<number>;
  /** Deliveries of a job, oldest first (admin, tests). */
  deliveriesOf(jobId: string): Promise<Delivery[]>;
}

/** Quotas, roles and usage per user and workspace (access, quota policy, admin). */
export interface Quotas {
  countJobsSince(user: UserKey, since: number): Promise<number>;
  gpuMsSince(user: UserKey, since: number): Promise<number>;
  countQueued(user: UserKey): Promise<number>;
  workspaceDefaults(platform: string, workspaceId: string): Promise<Partial<Quota>>;
  setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): Promise<void>;
  userSettings(user: UserKey): Promise<UserSettings>;
  setUserQuota(user: UserKey, quota: Partial<Quota>): Promise<void>;
  setRole(user: UserKey, role: Role): Promise<void>;
  resetUsage(user: UserKey, at: number): Promise<void>;
  /** Usage per user and per UTC day since `since`, optionally of one workspace; per user sorted by GPU time. */
  stats(since: number, workspaceId?: string): Promise<UsageStatsRows>;
}

/** Who changed what, for the admin pages and /audit. */
export interface AuditLog {
  audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): Promise<void>;
  /** Newest first. */
  auditLog(limit?: number): Promise<AuditEntry[]>;
}

/** Lease recovery and retention (src/jobs/maintenance.ts). */
export interface Maintenance {
  /**
   * Running jobs whose lease ended before `now`: requeued, or failed with `failMessage(attempts)` (and a 'failed'
   * delivery queued) when they have had `maxAttempts` attempts.
   */
  recoverExpiredLeases(now: number, maxAttempts: number, failMessage: (attempts: number) => string): Promise<LeaseRecovery>;
  /** Finished jobs (done, failed, cancelled) before `before` whose blobs are still kept. */
  purgeCandidates(before: number): Promise<JobRecord[]>;
  /** Deletes a job's blobs and marks it purged (the row stays). */
  purgeJob(id: string): Promise<void>;
}

/** Per-server settings (allowed channels, default budget and size, private results), one row per server. */
export interface ServerSettings {
  /** The server's settings, or undefined when none were saved. */
  serverSettings(platform: string, workspaceId: string): Promise<ServerSettingsRecord | undefined>;
  /** Replaces the server's settings. */
  saveServerSettings(platform: string, workspaceId: string, settings: ServerSettingsRecord, at: number): Promise<void>;
}

/** Everything one dialect implements (SQLite db/sqlite/, PostgreSQL db/postgres/); only the service holds it whole. */
export interface Store extends JobRepository, Leases, Outbox, Quotas, AuditLog, Maintenance, ServerSettings {
  readonly dialect: 'sqlite' | 'postgres';
  readonly apiTokens: ApiTokens;

  /** Resolves when the store takes writes now (for health checks), without changing anything; rejects with why not. */
  checkWritable(): Promise<void>;

  close(): Promise<void>;

  // Optional: what a store shared by several hosts does better than polling.
  /**
   * Pushes changes made by any process on the store (PostgreSQL: LISTEN/NOTIFY), so fronts show the progress of
   * jobs painted elsewhere and workers hear of new jobs and cancels at once. Without it the service polls.
   */
  watch?(handlers: StoreWatchHandlers, log?: (message: string) => void): Promise<{ close(): Promise<void> }>;
}

/** A job's state, lease holder or progress changed (announced by the store, see Store.watch). */
export interface StoreJobChange {
  id: string;
  platform: string;
  state: JobState;
  worker: string | null;
  attempts: number;
  /** progress.iteration, null before the first progress. */
  iteration: number | null;
}

export interface StoreWatchHandlers {
  job?: (change: StoreJobChange) => void;
  /** A delivery was queued in the outbox. */
  delivery?: (queued: { id: number; platform: string }) => void;
  /** The feed was interrupted and is back: changes in between were missed. */
  resync?: () => void;
}

/**
 * What both stores hold, so that they behave the same (PostgreSQL's INTEGER and TEXT; SQLite is held to the same):
 * - a count (a quota value): a whole number from 0 to 2^31-1;
 * - an id (platform, workspace, user, job, blob and stored file names): 1 to maxIdLength characters, no NUL byte;
 * - a name (display, uploaded file, style, artist and work names): no NUL byte, at most maxNameLength characters.
 * A store refuses an id or a count outside these with StoreInputError and stores a name cleaned (NUL bytes removed,
 * cut to length). Whoever takes such values from outside checks them first and answers the sender (400).
 */
export const STORED_LIMITS = { maxCount: 2_147_483_647, maxIdLength: 256, maxNameLength: 256 } as const;

/** A store was given a value it cannot hold (see STORED_LIMITS); the caller should have refused it first. */
export class StoreInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

export const QUOTA_FIELDS = ['jobsPerDay', 'gpuSecondsPerDay', 'maxQueued', 'maxSize', 'maxIterations'] as const;

/** "platform\0workspace\0user": the key of gpuMsByUserSince. */
export function userKeyString(user: UserKey): string {
  return `${user.platform}\u0000${user.workspaceId}\u0000${user.userId}`;
}

/** What a personal API token may do: the people's API as its user (`jobs`), or that and the admin API (`admin`). */
export type TokenScope = 'jobs' | 'admin';

/** A personal API token as stored, without its secret (only its SHA-256 is kept, and only the store sees it). */
export interface ApiTokenRecord {
  /** Public handle, e.g. "tok_3f9a1c2b7d4e": safe to show, log and revoke by. */
  id: string;
  /** Whose token it is: the token acts as this user, with their role and quotas. */
  user: UserKey;
  /** The holder's label, e.g. "laptop script". */
  name: string;
  scope: TokenScope;
  /** "platform/workspace/user" of who made it (the user, an admin, or "cli/local/NAME"). */
  createdBy: string;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** Personal API tokens (src/platforms/web/tokens.ts). Implementations: db/sqlite/tokens.ts, db/postgres/tokens.ts. */
export interface ApiTokens {
  /** Stores a new token; `hash` is the hex SHA-256 of the token (unique). */
  createToken(token: ApiTokenRecord, hash: string): Promise<void>;
  /** The live (not revoked) token with this hash, undefined otherwise. */
  tokenByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** A token by id, revoked or not. */
  tokenById(id: string): Promise<ApiTokenRecord | undefined>;
  /** A user's tokens, or everyone's when `user` is undefined; revoked ones included, newest first. */
  listTokens(user?: UserKey): Promise<ApiTokenRecord[]>;
  /** Records a use at `at` (the caller throttles how often). */
  touchToken(id: string, at: number): Promise<void>;
  /** Revokes a live token; false when it does not exist or was already revoked. */
  revokeToken(id: string, at: number): Promise<boolean>;
}
