// Personal API tokens on PostgreSQL (the ApiTokens port of src/jobs/ports.ts), twin of db/sqlite-tokens.ts.
import type pg from 'pg';
import type { ApiTokenRecord, ApiTokens, UserKey } from '../../src/jobs/ports.js';
import { tokenFromRow } from '../sqlite-tokens.js';

const COLUMNS = 'id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at';

export class PostgresApiTokens implements ApiTokens {
  constructor(private readonly pool: pg.Pool) {}

  async createToken(token: ApiTokenRecord, hash: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_tokens (id, hash, platform, workspace_id, user_id, name, scope, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [token.id, hash, token.user.platform, token.user.workspaceId, token.user.userId, token.name, token.scope, token.createdBy, token.createdAt],
    );
  }

  async tokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, [hash]);
    return rows[0] ? tokenFromRow(rows[0]) : undefined;
  }

  async tokenById(id: string): Promise<ApiTokenRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return rows[0] ? tokenFromRow(rows[0]) : undefined;
  }

  async listTokens(user?: UserKey): Promise<ApiTokenRecord[]> {
    const { rows } = user
      ? await this.pool.query(
          `SELECT ${COLUMNS} FROM api_tokens WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 ORDER BY created_at DESC, id`,
          [user.platform, user.workspaceId, user.userId],
        )
      : await this.pool.query(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at DESC, id`);
    return rows.map(tokenFromRow);
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at]);
    return result.rowCount === 1;
  }
}
