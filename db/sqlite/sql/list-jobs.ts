// Jobs of every state newest first, each filter applying when it is not NULL (list-jobs-in-state.ts for one state).
// Parameters: @userId, @platform, @workspaceId (each or NULL), @limit.
export const listJobs = `
SELECT * FROM jobs
WHERE (@userId IS NULL OR user_id = @userId)
  AND (@platform IS NULL OR platform = @platform)
  AND (@workspaceId IS NULL OR workspace_id = @workspaceId)
ORDER BY seq DESC
LIMIT @limit
`;
