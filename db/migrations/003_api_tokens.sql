-- Personal API tokens of studio users: only the SHA-256 of a token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,               -- public handle ("tok_..."), safe to show and log
  hash          TEXT NOT NULL UNIQUE,           -- hex SHA-256 of the whole token
  platform      TEXT NOT NULL,
  workspace_id  TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  name          TEXT NOT NULL,
  scope         TEXT NOT NULL CHECK (scope IN ('jobs', 'admin')),
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (platform, workspace_id, user_id);
