-- Per-server settings an admin chooses: where the bot takes commands (JSON array of channel ids; empty = everywhere),
-- the default budget (s) and size (px) of a painting, and whether results are shown to the requester only.
CREATE TABLE server_settings (
  platform          TEXT NOT NULL,
  workspace_id      TEXT NOT NULL,
  allowed_channels  TEXT NOT NULL DEFAULT '[]',
  default_budget    INTEGER,
  default_size      INTEGER,
  results_private   INTEGER NOT NULL DEFAULT 0,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace_id)
);
