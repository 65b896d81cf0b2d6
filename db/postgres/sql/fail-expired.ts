// running -> failed: the lease expired on the last allowed attempt.
// Parameters: $1 id, $2 error, $3 now.
export const failExpired = `
UPDATE jobs SET state = 'failed', error = $2, finished_at = $3, lease_expires_at = NULL WHERE id = $1 RETURNING *
`;
