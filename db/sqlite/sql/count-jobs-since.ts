// A user's jobs created since @since that count against jobsPerDay.
// Parameters: @platform, @workspaceId, @userId, @since.
export const countJobsSince = `
SELECT COUNT(*) AS n FROM jobs
WHERE platform = @platform AND workspace_id = @workspaceId AND user_id = @userId
  AND created_at >= @since AND state IN ('queued', 'running', 'done')
`;
