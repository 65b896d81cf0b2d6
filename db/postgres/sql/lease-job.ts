// queued -> running for a worker until a time, counting the attempt.
// Parameters: $1 id, $2 worker, $3 now, $4 lease until.
export const leaseJob = `
UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $2, started_at = $3, lease_expires_at = $4,
  progress = NULL, error = NULL
WHERE id = $1 AND state = 'queued'
RETURNING *
`;
