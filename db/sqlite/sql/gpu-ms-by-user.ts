// Engine ms of done jobs finished since @since, per user.
// Parameters: @since.
export const gpuMsByUser = `
SELECT platform, workspace_id, user_id, SUM(gpu_ms) AS ms FROM jobs
WHERE state = 'done' AND finished_at >= @since
GROUP BY platform, workspace_id, user_id
`;
