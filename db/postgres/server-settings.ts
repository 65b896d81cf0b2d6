// Per-server settings on PostgreSQL: one row per server, the allowed channels as JSONB.
import type { ServerSettings, ServerSettingsRecord } from '../../src/jobs/ports.js';
import { serverSettingsFromRow, type ServerSettingsRow } from '../server-settings-rows.js';
import { changesOf, type Queryable, rowsOf } from './database.js';
import { selectServerSettings } from './sql/select-server-settings.js';
import { upsertServerSettings } from './sql/upsert-server-settings.js';

export class PostgresServerSettings implements ServerSettings {
  constructor(private readonly db: Queryable) {}

  async serverSettings(platform: string, workspaceId: string): Promise<ServerSettingsRecord | undefined> {
    const [row] = await rowsOf<ServerSettingsRow & Record<string, unknown>>(this.db, selectServerSettings, [platform, workspaceId]);
    return row ? serverSettingsFromRow(row) : undefined;
  }

  async saveServerSettings(platform: string, workspaceId: string, settings: ServerSettingsRecord, at: number): Promise<void> {
    await changesOf(this.db, upsertServerSettings, [
      platform,
      workspaceId,
      JSON.stringify(settings.allowedChannels),
      settings.defaultBudget ?? null,
      settings.defaultSize ?? null,
      settings.resultsPrivate,
      at,
    ]);
  }
}
