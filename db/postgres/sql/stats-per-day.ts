// Jobs and engine seconds per UTC day since $1, of one workspace or (NULL) all.
// Parameters: $1 since, $2 workspace or NULL.
export const statsPerDay = `
SELECT to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) AS jobs,
       COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done'), 0) / 1000.0::float8 AS "gpuSeconds"
FROM jobs WHERE created_at >= $1 AND ($2::text IS NULL OR workspace_id = $2)
GROUP BY day
ORDER BY day
`;
