// The values both stores hold (STORED_LIMITS of the ports): checked here, in front of either dialect's SQL, so that
// SQLite and PostgreSQL answer the same. PostgreSQL's TEXT cannot hold a NUL byte and its INTEGER stops at 2^31-1;
// SQLite would take both, and then the two stores would differ.
import { type NewJob, type Quota, QUOTA_FIELDS, STORED_LIMITS, StoreInputError, type UserKey } from '../src/jobs/ports.js';

/** True for an id either store can hold: 1..maxIdLength characters, no NUL byte. */
export function storableId(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= STORED_LIMITS.maxIdLength && !value.includes('\u0000');
}

/** Returns `value` when it is a storable id; throws StoreInputError naming `what` otherwise. */
export function checkId(what: string, value: string): string {
  if (storableId(value)) return value;
  const why =
    typeof value !== 'string'
      ? 'is not text'
      : value.length === 0
        ? 'is empty'
        : value.includes('\u0000')
          ? 'contains a NUL byte'
          : `is longer than ${STORED_LIMITS.maxIdLength} characters`;
  throw new StoreInputError(`${what} ${why}`);
}

/** Checks the three ids of a user key. */
export function checkUser(user: UserKey): void {
  checkId('platform', user.platform);
  checkId('workspace id', user.workspaceId);
  checkId('user id', user.userId);
}

/** Checks every value of a quota change: whole numbers from 0 to maxCount. */
export function checkQuota(quota: Partial<Quota>): void {
  for (const field of QUOTA_FIELDS) {
    const value = quota[field];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > STORED_LIMITS.maxCount) {
      throw new StoreInputError(`${field} must be a whole number from 0 to ${STORED_LIMITS.maxCount} (got ${value})`);
    }
  }
}

/** A name as stored: NUL bytes removed, cut to maxNameLength characters (never between a surrogate pair). */
export function cleanName(value: string): string {
  const clean = value.replaceAll('\u0000', '');
  if (clean.length <= STORED_LIMITS.maxNameLength) return clean;
  const cut = clean.slice(0, STORED_LIMITS.maxNameLength);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

const cleanOptional = (value: string | undefined) => (value === undefined ? undefined : cleanName(value));

/** A new job with its ids checked and its names cleaned. Throws StoreInputError for an id a store cannot hold. */
export function storableJob(job: NewJob): NewJob {
  checkUser(job);
  checkId('job id', job.id);
  if (job.contentFile !== undefined) checkId('content file', job.contentFile);
  if (job.parentId !== undefined) checkId('parent job id', job.parentId);
  for (const style of job.styleFiles) checkId('style file', style.file);
  return {
    ...job,
    userName: cleanOptional(job.userName),
    contentName: cleanOptional(job.contentName),
    artist: cleanOptional(job.artist),
    artwork: cleanOptional(job.artwork),
    styleNames: job.styleNames.map(cleanName),
    styleFiles: job.styleFiles.map((style) => ({ ...style, name: cleanName(style.name) })),
  };
}

/** A value as JSON text with NUL bytes removed from its strings (PostgreSQL's JSONB refuses \u0000); NULL for undefined. */
export function storableJson(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v));
}
