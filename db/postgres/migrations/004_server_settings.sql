-- Per-server settings an admin chooses: where the bot takes commands (channel ids; empty = everywhere), the default
-- budget (s) and size (px) of a painting, and whether results are shown to the requester only.
CREATE TABLE server_settings (
  platform          TEXT NOT NULL,
  workspace_id      TEXT NOT NULL,
  allowed_channels  JSONB NOT NULL DEFAULT '[]',
  default_budget    INTEGER,
  default_size      INTEGER,
  results_private   BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at        BIGINT NOT NULL,
  PRIMARY KEY (platform, workspace_id)
);
