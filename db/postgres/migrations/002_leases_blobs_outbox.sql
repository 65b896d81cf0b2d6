-- PostgreSQL twin of db/migrations/002_leases_blobs_outbox.sql.
ALTER TABLE jobs ADD COLUMN worker TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires_at BIGINT;
CREATE INDEX jobs_by_lease ON jobs (state, lease_expires_at);
-- Fair share sums the engine time of jobs done in the last day.
CREATE INDEX jobs_done_by_finish ON jobs (finished_at) WHERE state = 'done';

-- Inputs, the newest preview and the result, readable by every host. Stored out of line (TOAST) and not
-- compressed: they are already compressed images.
CREATE TABLE job_blobs (
  job_id  TEXT NOT NULL REFERENCES jobs (id),
  name    TEXT NOT NULL,
  bytes   BYTEA NOT NULL,
  PRIMARY KEY (job_id, name)
);
ALTER TABLE job_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE outbox (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id           TEXT NOT NULL UNIQUE REFERENCES jobs (id),
  platform         TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('done', 'failed', 'cancelled')),
  state            TEXT NOT NULL DEFAULT 'undelivered' CHECK (state IN ('undelivered', 'delivered', 'abandoned')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT NOT NULL,
  claimed_by       TEXT,
  claimed_until    BIGINT,
  last_error       TEXT,
  created_at       BIGINT NOT NULL,
  delivered_at     BIGINT
);
CREATE INDEX outbox_due ON outbox (state, platform, next_attempt_at);

-- Every change of a job's state, progress or lease holder is announced on channel stylebot_jobs, so fronts
-- (status messages) and workers (cancel) hear of it at once instead of polling. The payload is small and fixed;
-- listeners read the row. A NOTIFY is sent when its transaction commits, never for a rolled-back change.
CREATE FUNCTION stylebot_job_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('stylebot_jobs', json_build_object(
    'id', NEW.id, 'platform', NEW.platform, 'state', NEW.state, 'worker', NEW.worker, 'attempts', NEW.attempts,
    'iteration', NEW.progress -> 'iteration')::text);
  RETURN NEW;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF state, progress, worker ON jobs
  FOR EACH ROW EXECUTE FUNCTION stylebot_job_notify();

-- A new undelivered outbox row: fronts of that platform claim it at once instead of at their next poll.
CREATE FUNCTION stylebot_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('stylebot_outbox', json_build_object('id', NEW.id, 'platform', NEW.platform)::text);
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION stylebot_outbox_notify();
