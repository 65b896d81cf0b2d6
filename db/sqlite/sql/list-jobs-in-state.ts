// Jobs in one state, newest first, each other filter applying when it is not NULL (a statement of its own so that
// the (state, seq) index serves it: with the state optional too, SQLite scans every job for a rare state).
// Parameters: @state, @userId, @platform, @workspaceId (each or NULL), @limit.
export const listJobsInState = `
SELECT * FROM jobs
WHERE state = @state
  AND (@userId IS NULL OR user_id = @userId)
  AND (@platform IS NULL OR platform = @platform)
  AND (@workspaceId IS NULL OR workspace_id = @workspaceId)
ORDER BY seq DESC
LIMIT @limit
`;
