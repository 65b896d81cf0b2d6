// Jobs in one state, newest first, each other filter applying when it is not NULL (a statement of its own, as on
// SQLite, so that the (state, seq) index serves it whatever plan the server keeps).
// Parameters: $1 state, $2 user, $3 platform, $4 workspace (each or NULL), $5 limit.
export const listJobsInState = `
SELECT * FROM jobs
WHERE state = $1
  AND ($2::text IS NULL OR user_id = $2)
  AND ($3::text IS NULL OR platform = $3)
  AND ($4::text IS NULL OR workspace_id = $4)
ORDER BY seq DESC
LIMIT $5
`;
