-- PostgreSQL twin of db/migrations/003_api_tokens.sql.
CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,
  hash          TEXT NOT NULL UNIQUE,
  platform      TEXT NOT NULL,
  workspace_id  TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  name          TEXT NOT NULL,
  scope         TEXT NOT NULL CHECK (scope IN ('jobs', 'admin')),
  created_by    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT,
  revoked_at    BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (platform, workspace_id, user_id);
