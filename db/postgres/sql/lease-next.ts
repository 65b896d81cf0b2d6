// Leases the job the fair-share order puts first (admins first, then less engine time since $4, then first
// come); SKIP LOCKED, so workers leasing at once get different jobs. Parameters: $1 worker, $2 now, $3 lease until,
// $4 usage since.
export const leaseNext = `
WITH used AS (
  SELECT platform, workspace_id, user_id, SUM(gpu_ms) AS ms FROM jobs
  WHERE state = 'done' AND finished_at >= $4 GROUP BY platform, workspace_id, user_id),
next AS (
  SELECT j.id FROM jobs j LEFT JOIN used u USING (platform, workspace_id, user_id)
  WHERE j.state = 'queued'
  ORDER BY j.priority DESC, COALESCE(u.ms, 0), j.seq
  LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, started_at = $2, lease_expires_at = $3,
  progress = NULL, error = NULL
FROM next WHERE jobs.id = next.id AND jobs.state = 'queued'
RETURNING jobs.*
`;
