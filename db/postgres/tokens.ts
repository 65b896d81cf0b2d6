// Personal API tokens on PostgreSQL (the ApiTokens port), twin of db/sqlite/tokens.ts.
import type { ApiTokenRecord, ApiTokens, UserKey } from '../../src/jobs/ports.js';
import { apiTokenFromRow, type ApiTokenRow } from '../rows.js';
import { changesOf, type Queryable, rowsOf } from './database.js';
import { insertApiToken } from './sql/insert-api-token.js';
import { listApiTokens } from './sql/list-api-tokens.js';
import { listUserApiTokens } from './sql/list-user-api-tokens.js';
import { revokeApiToken } from './sql/revoke-api-token.js';
import { selectApiTokenByHash } from './sql/select-api-token-by-hash.js';
import { selectApiTokenById } from './sql/select-api-token-by-id.js';
import { touchApiToken } from './sql/touch-api-token.js';

export class PostgresApiTokens implements ApiTokens {
  constructor(private readonly db: Queryable) {}

  async createToken(token: ApiTokenRecord, hash: string): Promise<void> {
    const { platform, workspaceId, userId } = token.user;
    await this.db.query(insertApiToken, [
      token.id,
      hash,
      platform,
      workspaceId,
      userId,
      token.name,
      token.scope,
      token.createdBy,
      token.createdAt,
    ]);
  }

  async tokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await rowsOf<ApiTokenRow>(this.db, selectApiTokenByHash, [hash]);
    return row ? apiTokenFromRow(row) : undefined;
  }

  async tokenById(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await rowsOf<ApiTokenRow>(this.db, selectApiTokenById, [id]);
    return row ? apiTokenFromRow(row) : undefined;
  }

  async listTokens(user?: UserKey): Promise<ApiTokenRecord[]> {
    const rows = user
      ? await rowsOf<ApiTokenRow>(this.db, listUserApiTokens, [user.platform, user.workspaceId, user.userId])
      : await rowsOf<ApiTokenRow>(this.db, listApiTokens);
    return rows.map(apiTokenFromRow);
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.db.query(touchApiToken, [id, at]);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return (await changesOf(this.db, revokeApiToken, [id, at])) === 1;
  }
}
