// running -> queued for the jobs a worker holds (the attempts stay counted).
// Parameters: @worker.
export const releaseLeases = `
UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE state = 'running' AND worker = @worker
`;
