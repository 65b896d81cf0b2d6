// Extends the lease of a job the worker holds.
// Parameters: $1 id, $2 worker, $3 lease until.
export const heartbeat = `
UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND worker = $2 AND state = 'running'
`;
