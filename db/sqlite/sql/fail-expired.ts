// running -> failed: the lease expired on the last allowed attempt.
// Parameters: @id, @error, @now.
export const failExpired = `
UPDATE jobs SET state = 'failed', error = @error, finished_at = @now, lease_expires_at = NULL WHERE id = @id
`;
