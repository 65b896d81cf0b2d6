-- Leases: the worker that runs a job and until when; a lease not renewed in time is recovered by maintenance.
ALTER TABLE jobs ADD COLUMN worker TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
CREATE INDEX jobs_by_lease ON jobs (state, lease_expires_at);

-- Job images (inputs, newest preview, result) in the database, where every process sharing it can read them.
CREATE TABLE job_blobs (
  job_id  TEXT NOT NULL REFERENCES jobs (id),
  name    TEXT NOT NULL,                          -- "content.jpg", "style-0.png", "preview.png", "result.png"
  bytes   BLOB NOT NULL,
  PRIMARY KEY (job_id, name)
);

-- The outbox: one durable delivery of each job's final status (and picture) to its platform, retried until accepted.
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id           TEXT NOT NULL UNIQUE REFERENCES jobs (id),
  platform         TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('done', 'failed', 'cancelled')),
  state            TEXT NOT NULL DEFAULT 'undelivered' CHECK (state IN ('undelivered', 'delivered', 'abandoned')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  claimed_by       TEXT,                          -- the front trying it now, until claimed_until
  claimed_until    INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER
);
CREATE INDEX outbox_due ON outbox (state, platform, next_attempt_at);
