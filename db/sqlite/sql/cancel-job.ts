// queued|running -> cancelled.
// Parameters: @id, @by, @now.
export const cancelJob = `
UPDATE jobs SET state = 'cancelled', cancelled_by = @by, finished_at = @now, lease_expires_at = NULL
WHERE id = @id AND state IN ('queued', 'running')
`;
