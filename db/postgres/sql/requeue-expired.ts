// running -> queued: the lease expired, another attempt is allowed.
// Parameters: $1 id.
export const requeueExpired = `
UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE id = $1 RETURNING *
`;
