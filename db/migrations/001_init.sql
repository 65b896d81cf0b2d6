-- Jobs: one style-transfer request and its life. JSON columns hold plain data (reply target, options, results).
CREATE TABLE jobs (
  id            TEXT PRIMARY KEY,
  seq           INTEGER NOT NULL UNIQUE,          -- acceptance order, for FIFO among equals
  platform      TEXT NOT NULL,
  workspace_id  TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  user_name     TEXT,
  reply         TEXT NOT NULL,                    -- ReplyTarget JSON, opaque to the job core
  state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  priority      INTEGER NOT NULL,
  options       TEXT NOT NULL,                    -- Partial<StylizeOptions> JSON
  style_names   TEXT NOT NULL,                    -- string[] JSON
  style_files   TEXT NOT NULL,                    -- [{ file, weight, name }] JSON, files inside the job folder
  content_file  TEXT,                             -- file name inside the job folder; NULL = texture synthesis
  content_name  TEXT,
  artist        TEXT,
  artwork       TEXT,
  parent_id     TEXT,                             -- the job this one re-runs
  attempts      INTEGER NOT NULL DEFAULT 0,
  progress      TEXT,
  result_path   TEXT,
  result        TEXT,
  error         TEXT,
  cancelled_by  TEXT,
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER,
  gpu_ms        INTEGER NOT NULL DEFAULT 0,
  files_purged  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_by_user ON jobs (platform, workspace_id, user_id, created_at);
CREATE INDEX jobs_by_finish ON jobs (finished_at);

-- Workspace defaults set by an admin; NULL = inherit the built-in default.
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

-- Per-user overrides: role, quota fields (NULL = workspace default), and the last usage reset.
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
  usage_reset_at      INTEGER,
  PRIMARY KEY (platform, workspace_id, user_id)
);

-- Every admin change: who, what, when, before and after.
CREATE TABLE audit (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              INTEGER NOT NULL,
  actor_platform  TEXT NOT NULL,
  actor_workspace TEXT NOT NULL,
  actor_user      TEXT NOT NULL,
  action          TEXT NOT NULL,
  target          TEXT NOT NULL,
  before          TEXT,
  after           TEXT
);
CREATE INDEX audit_by_time ON audit (at);
