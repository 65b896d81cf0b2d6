// A user's jobs waiting now.
// Parameters: @platform, @workspaceId, @userId.
export const countQueued = `
SELECT COUNT(*) AS n FROM jobs
WHERE platform = @platform AND workspace_id = @workspaceId AND user_id = @userId AND state = 'queued'
`;
