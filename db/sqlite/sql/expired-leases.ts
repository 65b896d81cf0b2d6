// Running jobs whose lease ended before @now (or that have none).
// Parameters: @now.
export const expiredLeases = `
SELECT * FROM jobs WHERE state = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < @now) ORDER BY seq
`;
