// A server_settings row (either dialect) as a ServerSettingsRecord.
import type { ServerSettingsRecord } from '../src/jobs/ports.js';

/** The columns both dialects select; allowed_channels is JSON text on SQLite and parsed JSONB on PostgreSQL. */
export interface ServerSettingsRow {
  allowed_channels: string | string[];
  default_budget: number | null;
  default_size: number | null;
  results_private: number | boolean;
}

export function serverSettingsFromRow(row: ServerSettingsRow): ServerSettingsRecord {
  const channels = typeof row.allowed_channels === 'string' ? (JSON.parse(row.allowed_channels) as string[]) : row.allowed_channels;
  const settings: ServerSettingsRecord = {
    allowedChannels: channels,
    resultsPrivate: row.results_private === true || row.results_private === 1,
  };
  if (row.default_budget !== null) settings.defaultBudget = Number(row.default_budget);
  if (row.default_size !== null) settings.defaultSize = Number(row.default_size);
  return settings;
}
