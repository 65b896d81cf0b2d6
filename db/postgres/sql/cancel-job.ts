// queued|running -> cancelled; returns the job's platform.
// Parameters: $1 id, $2 by, $3 now.
export const cancelJob = `
UPDATE jobs SET state = 'cancelled', cancelled_by = $2, finished_at = $3, lease_expires_at = NULL
WHERE id = $1 AND state IN ('queued', 'running')
RETURNING platform
`;
