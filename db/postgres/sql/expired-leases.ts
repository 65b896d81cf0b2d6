// Running jobs whose lease ended before $1, locked; rows a worker is heart-beating right now are
// locked by it and skipped, their leases being renewed. Parameters: $1 now.
export const expiredLeases = `
SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < $1 ORDER BY seq FOR UPDATE SKIP LOCKED
`;
