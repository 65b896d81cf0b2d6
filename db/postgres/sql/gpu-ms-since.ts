// A user's engine ms of done jobs finished since $4.
// Parameters: $1 platform, $2 workspace, $3 user, $4 since.
export const gpuMsSince = `
SELECT COALESCE(SUM(gpu_ms), 0)::bigint AS ms FROM jobs
WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 AND state = 'done' AND finished_at >= $4
`;
