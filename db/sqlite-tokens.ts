// Personal API tokens on SQLite (the ApiTokens port of src/jobs/ports.ts), on the job store's database.
import type { ApiTokenRecord, ApiTokens, TokenScope } from '../src/jobs/ports.js';
import type { Platform } from '../src/jobs/types.js';
import { statementCache, type Db, type StatementCache } from './database.js';

interface TokenRow {
  id: string;
  platform: string;
  workspace_id: string;
  user_id: string;
  name: string;
  scope: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A row of api_tokens as the port's record (shared with the PostgreSQL twin, whose BIGINTs arrive as strings). */
export function tokenFromRow(row: Omit<TokenRow, 'created_at' | 'last_used_at' | 'revoked_at'> & { created_at: number | string; last_used_at: number | string | null; revoked_at: number | string | null }): ApiTokenRecord {
  return {
    id: row.id,
    user: { platform: row.platform as Platform, workspaceId: row.workspace_id, userId: row.user_id },
    name: row.name,
    scope: row.scope as TokenScope,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    ...(row.last_used_at !== null ? { lastUsedAt: Number(row.last_used_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
  };
}

const COLUMNS = 'id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at';

export class SqliteApiTokens implements ApiTokens {
  private readonly sql: StatementCache;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  async createToken(token: ApiTokenRecord, hash: string): Promise<void> {
    this
      .sql(
        `INSERT INTO api_tokens (id, hash, platform, workspace_id, user_id, name, scope, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(token.id, hash, token.user.platform, token.user.workspaceId, token.user.userId, token.name, token.scope, token.createdBy, token.createdAt);
  }

  async tokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const row = this.sql(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = ? AND revoked_at IS NULL`).get(hash) as TokenRow | undefined;
    return row ? tokenFromRow(row) : undefined;
  }

  async tokenById(id: string): Promise<ApiTokenRecord | undefined> {
    const row = this.sql(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`).get(id) as TokenRow | undefined;
    return row ? tokenFromRow(row) : undefined;
  }

  async listTokens(user?: { platform: string; workspaceId: string; userId: string }): Promise<ApiTokenRecord[]> {
    const rows = user
      ? this
          .sql(`SELECT ${COLUMNS} FROM api_tokens WHERE platform = ? AND workspace_id = ? AND user_id = ? ORDER BY created_at DESC, id`)
          .all(user.platform, user.workspaceId, user.userId)
      : this.sql(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at DESC, id`).all();
    return (rows as TokenRow[]).map(tokenFromRow);
  }

  async touchToken(id: string, at: number): Promise<void> {
    this.sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return this.sql('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }
}
