// Jobs of every state newest first, each filter applying when it is not NULL (list-jobs-in-state.ts for one state).
// Parameters: $1 user, $2 platform, $3 workspace (each or NULL), $4 limit.
export const listJobs = `
SELECT * FROM jobs
WHERE ($1::text IS NULL OR user_id = $1)
  AND ($2::text IS NULL OR platform = $2)
  AND ($3::text IS NULL OR workspace_id = $3)
ORDER BY seq DESC
LIMIT $4
`;
