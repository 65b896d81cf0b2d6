// Personal API tokens on SQLite (the ApiTokens port): only each token's hash is stored.
import type { ApiTokenRecord, ApiTokens, UserKey } from '../../src/jobs/ports.js';
import { apiTokenFromRow, type ApiTokenRow } from '../rows.js';
import type { SqliteConnection } from './connection.js';
import { insertApiToken } from './sql/insert-api-token.js';
import { listApiTokens } from './sql/list-api-tokens.js';
import { listUserApiTokens } from './sql/list-user-api-tokens.js';
import { revokeApiToken } from './sql/revoke-api-token.js';
import { selectApiTokenByHash } from './sql/select-api-token-by-hash.js';
import { selectApiTokenById } from './sql/select-api-token-by-id.js';
import { touchApiToken } from './sql/touch-api-token.js';

export class SqliteApiTokens implements ApiTokens {
  constructor(private readonly c: SqliteConnection) {}

  async createToken(token: ApiTokenRecord, hash: string): Promise<void> {
    const { platform, workspaceId, userId } = token.user;
    const row = {
      id: token.id,
      hash,
      platform,
      workspaceId,
      userId,
      name: token.name,
      scope: token.scope,
      createdBy: token.createdBy,
      createdAt: token.createdAt,
    };
    await this.c.write(() => this.c.sql(insertApiToken).run(row));
  }

  tokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    return this.c.read(() => {
      const row = this.c.sql(selectApiTokenByHash).get({ hash }) as ApiTokenRow | undefined;
      return row ? apiTokenFromRow(row) : undefined;
    });
  }

  tokenById(id: string): Promise<ApiTokenRecord | undefined> {
    return this.c.read(() => {
      const row = this.c.sql(selectApiTokenById).get({ id }) as ApiTokenRow | undefined;
      return row ? apiTokenFromRow(row) : undefined;
    });
  }

  listTokens(user?: UserKey): Promise<ApiTokenRecord[]> {
    return this.c.read(() => {
      const rows = user
        ? this.c.sql(listUserApiTokens).all({ platform: user.platform, workspaceId: user.workspaceId, userId: user.userId })
        : this.c.sql(listApiTokens).all();
      return (rows as ApiTokenRow[]).map(apiTokenFromRow);
    });
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.c.write(() => this.c.sql(touchApiToken).run({ id, at }));
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return this.c.write(() => this.c.sql(revokeApiToken).run({ id, at }).changes === 1);
  }
}
