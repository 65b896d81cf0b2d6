// queued|running -> failed; with @worker, only a running job that worker holds.
// Parameters: @id, @error, @now, @worker (or NULL).
export const failJob = `
UPDATE jobs SET state = 'failed', error = @error, finished_at = @now, lease_expires_at = NULL
WHERE id = @id AND state IN ('queued', 'running') AND (@worker IS NULL OR (worker = @worker AND state = 'running'))
`;
