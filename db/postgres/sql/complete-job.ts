// running -> done for the lease holder; returns the job's platform.
// Parameters: $1 id, $2 worker, $3 result (JSON text), $4 engine ms, $5 now.
export const completeJob = `
UPDATE jobs SET state = 'done', result = $3, gpu_ms = $4, finished_at = $5, lease_expires_at = NULL
WHERE id = $1 AND worker = $2 AND state = 'running'
RETURNING platform
`;
