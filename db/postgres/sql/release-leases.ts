// running -> queued for the jobs a worker holds (the attempts stay counted).
// Parameters: $1 worker.
export const releaseLeases = `
UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL
WHERE worker = $1 AND state = 'running'
RETURNING id, seq
`;
