// Jobs newest first, each filter applying when it is not NULL.
// Parameters: @state, @userId, @platform, @workspaceId (each or NULL), @limit.
export const listJobs = `
SELECT * FROM jobs
WHERE (@state IS NULL OR state = @state)
  AND (@userId IS NULL OR user_id = @userId)
  AND (@platform IS NULL OR platform = @platform)
  AND (@workspaceId IS NULL OR workspace_id = @workspaceId)
ORDER BY seq DESC
LIMIT @limit
`;
