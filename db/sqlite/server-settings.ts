// Per-server settings on SQLite: one row per server, the allowed channels as JSON text.
import type { ServerSettings, ServerSettingsRecord } from '../../src/jobs/ports.js';
import { serverSettingsFromRow, type ServerSettingsRow } from '../server-settings-rows.js';
import type { SqliteConnection } from './connection.js';
import { selectServerSettings } from './sql/select-server-settings.js';
import { upsertServerSettings } from './sql/upsert-server-settings.js';

export class SqliteServerSettings implements ServerSettings {
  constructor(private readonly c: SqliteConnection) {}

  serverSettings(platform: string, workspaceId: string): Promise<ServerSettingsRecord | undefined> {
    return this.c.read(() => {
      const row = this.c.sql(selectServerSettings).get({ platform, workspaceId }) as ServerSettingsRow | undefined;
      return row ? serverSettingsFromRow(row) : undefined;
    });
  }

  async saveServerSettings(platform: string, workspaceId: string, settings: ServerSettingsRecord, at: number): Promise<void> {
    await this.c.write(() =>
      this.c.sql(upsertServerSettings).run({
        platform,
        workspaceId,
        allowedChannels: JSON.stringify(settings.allowedChannels),
        defaultBudget: settings.defaultBudget ?? null,
        defaultSize: settings.defaultSize ?? null,
        resultsPrivate: settings.resultsPrivate ? 1 : 0,
        updatedAt: at,
      }),
    );
  }
}
