-- PostgreSQL twin of db/migrations/001_init.sql: the same tables and columns, in PostgreSQL's types.
-- Times are epoch milliseconds (BIGINT) as in SQLite; JSON columns are JSONB.
CREATE TABLE jobs (
  id            TEXT PRIMARY KEY,
  seq           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,   -- acceptance order, for FIFO among equals
  platform      TEXT NOT NULL,
  workspace_id  TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  user_name     TEXT,
  reply         JSONB NOT NULL,                   -- ReplyTarget, opaque to the job core
  state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  priority      INTEGER NOT NULL,
  options       JSONB NOT NULL,                   -- Partial<StylizeOptions>
  style_names   JSONB NOT NULL,                   -- string[]
  style_files   JSONB NOT NULL,                   -- [{ file, weight, name }]
  content_file  TEXT,                             -- NULL = texture synthesis
  content_name  TEXT,
  artist        TEXT,
  artwork       TEXT,
  parent_id     TEXT,                             -- the job this one re-runs
  attempts      INTEGER NOT NULL DEFAULT 0,
  progress      JSONB,
  result_path   TEXT,
  result        JSONB,
  error         TEXT,
  cancelled_by  TEXT,
  created_at    BIGINT NOT NULL,
  started_at    BIGINT,
  finished_at   BIGINT,
  gpu_ms        BIGINT NOT NULL DEFAULT 0,
  files_purged  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_by_user ON jobs (platform, workspace_id, user_id, created_at);
CREATE INDEX jobs_by_finish ON jobs (finished_at);

CREATE TABLE quota_defaults (
  platform            TEXT NOT NULL,
  workspace_id        TEXT NOT NULL,
  jobs_per_day        INTEGER,
  gpu_seconds_per_day INTEGER,
  max_queued          INTEGER,
  max_size            INTEGER,
  max_iterations      INTEGER,
  PRIMARY KEY (platform, workspace_id)
);

CREATE TABLE user_settings (
  platform            TEXT NOT NULL,
  workspace_id        TEXT NOT NULL,
  user_id             TEXT NOT NULL,
  role                TEXT CHECK (role IN ('admin', 'user')),
  jobs_per_day        INTEGER,
  gpu_seconds_per_day INTEGER,
  max_queued          INTEGER,
  max_size            INTEGER,
  max_iterations      INTEGER,
  usage_reset_at      BIGINT,
  PRIMARY KEY (platform, workspace_id, user_id)
);

CREATE TABLE audit (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at              BIGINT NOT NULL,
  actor_platform  TEXT NOT NULL,
  actor_workspace TEXT NOT NULL,
  actor_user      TEXT NOT NULL,
  action          TEXT NOT NULL,
  target          TEXT NOT NULL,
  before          JSONB,
  after           JSONB
);
CREATE INDEX audit_by_time ON audit (at);
