// Jobs and engine seconds per user since @since, of one workspace or (NULL) all.
// Parameters: @since, @ws.
export const statsPerUser = `
SELECT platform, workspace_id AS workspaceId, user_id AS userId, COUNT(*) AS jobs,
       COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
GROUP BY platform, workspace_id, user_id
ORDER BY gpuSeconds DESC, jobs DESC
`;
