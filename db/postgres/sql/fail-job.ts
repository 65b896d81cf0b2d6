// queued|running -> failed; with a worker, only a running job that worker holds. Returns the platform.
// Parameters: $1 id, $2 error, $3 now, $4 worker (or NULL).
export const failJob = `
UPDATE jobs SET state = 'failed', error = $2, finished_at = $3, lease_expires_at = NULL
WHERE id = $1 AND state IN ('queued', 'running') AND ($4::text IS NULL OR (worker = $4 AND state = 'running'))
RETURNING platform
`;
