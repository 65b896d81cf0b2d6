// A user's jobs created since $4 that count against jobsPerDay.
// Parameters: $1 platform, $2 workspace, $3 user, $4 since.
export const countJobsSince = `
SELECT COUNT(*) AS n FROM jobs
WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 AND created_at >= $4 AND state IN ('queued', 'running', 'done')
`;
