// Engine ms of done jobs finished since $1, per user.
// Parameters: $1 since.
export const gpuMsByUser = `
SELECT platform, workspace_id, user_id, SUM(gpu_ms)::bigint AS ms FROM jobs
WHERE state = 'done' AND finished_at >= $1
GROUP BY platform, workspace_id, user_id
`;
