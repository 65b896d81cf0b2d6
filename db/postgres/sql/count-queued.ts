// A user's jobs waiting now.
// Parameters: $1 platform, $2 workspace, $3 user.
export const countQueued = `
SELECT COUNT(*) AS n FROM jobs WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 AND state = 'queued'
`;
