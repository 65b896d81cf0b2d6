// running -> queued: the lease expired, another attempt is allowed.
// Parameters: @id.
export const requeueExpired = `
UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE id = @id
`;
