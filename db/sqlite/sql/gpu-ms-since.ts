// A user's engine ms of done jobs finished since @since.
// Parameters: @platform, @workspaceId, @userId, @since.
export const gpuMsSince = `
SELECT COALESCE(SUM(gpu_ms), 0) AS ms FROM jobs
WHERE platform = @platform AND workspace_id = @workspaceId AND user_id = @userId
  AND state = 'done' AND finished_at >= @since
`;
