// queued -> running for @worker until @leaseUntil, counting the attempt.
// Parameters: @id, @worker, @now, @leaseUntil.
export const leaseJob = `
UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = @now, progress = NULL, error = NULL,
  worker = @worker, lease_expires_at = @leaseUntil
WHERE id = @id AND state = 'queued'
`;
