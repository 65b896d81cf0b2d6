// Jobs and engine seconds per user since $1, of one workspace or (NULL) all.
// Parameters: $1 since, $2 workspace or NULL.
export const statsPerUser = `
SELECT platform, workspace_id AS "workspaceId", user_id AS "userId", COUNT(*) AS jobs,
       COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done'), 0) / 1000.0::float8 AS "gpuSeconds"
FROM jobs WHERE created_at >= $1 AND ($2::text IS NULL OR workspace_id = $2)
GROUP BY platform, workspace_id, user_id
ORDER BY "gpuSeconds" DESC, jobs DESC
`;
