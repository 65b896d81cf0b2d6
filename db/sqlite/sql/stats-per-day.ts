// Jobs and engine seconds per UTC day since @since, of one workspace or (NULL) all.
// Parameters: @since, @ws.
export const statsPerDay = `
SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS jobs,
       COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
GROUP BY day
ORDER BY day
`;
