// Extends the lease of a job the worker holds.
// Parameters: @id, @worker, @leaseUntil.
export const heartbeat = `
UPDATE jobs SET lease_expires_at = @leaseUntil WHERE id = @id AND worker = @worker AND state = 'running'
`;
