// SQLite's row shapes: JSON columns as text and booleans as 0/1, decoded into the shared row shapes of db/rows.ts.
import type { JobProgress, JobRecord, JobResultInfo, ReplyTarget, StoredStyle } from '../../src/jobs/ports.js';
import { type AuditRow, jobFromRow, type JobRow } from '../rows.js';

/** A jobs row as SQLite stores it. */
export type SqliteJobRow = Omit<JobRow, 'reply' | 'options' | 'style_names' | 'style_files' | 'progress' | 'result' | 'files_purged'> & {
  reply: string;
  options: string;
  style_names: string;
  style_files: string;
  progress: string | null;
  result: string | null;
  files_purged: number;
};

/** Decodes SQLite's text columns into the shared row shape, then maps it like PostgreSQL's. */
export function jobFromSqliteRow(r: SqliteJobRow): JobRecord {
  return jobFromRow({
    ...r,
    reply: JSON.parse(r.reply) as ReplyTarget,
    options: JSON.parse(r.options) as JobRecord['options'],
    style_names: JSON.parse(r.style_names) as string[],
    style_files: JSON.parse(r.style_files) as StoredStyle[],
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : null,
    result: r.result ? (JSON.parse(r.result) as JobResultInfo) : null,
    files_purged: r.files_purged !== 0,
  });
}

/** An audit row with before and after as SQLite stores them (JSON text), parsed. */
export function auditRowFromSqlite(r: Omit<AuditRow, 'before' | 'after'> & { before: string | null; after: string | null }): AuditRow {
  return { ...r, before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after) };
}

/** Bytes as the Buffer better-sqlite3 binds as a BLOB (no copy). */
export function blobOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A BLOB column as a plain Uint8Array view of the same bytes. */
export function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
