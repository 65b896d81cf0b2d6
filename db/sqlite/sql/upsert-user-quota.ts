// Sets the quota fields of a user that are not NULL; the others keep their value.
// Parameters: @platform, @workspaceId, @userId, @jobsPerDay, @gpuSecondsPerDay, @maxQueued, @maxSize, @maxIterations.
export const upsertUserQuota = `
INSERT INTO user_settings (platform, workspace_id, user_id, jobs_per_day, gpu_seconds_per_day, max_queued, max_size, max_iterations)
VALUES (@platform, @workspaceId, @userId, @jobsPerDay, @gpuSecondsPerDay, @maxQueued, @maxSize, @maxIterations)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET
  jobs_per_day = COALESCE(excluded.jobs_per_day, jobs_per_day),
  gpu_seconds_per_day = COALESCE(excluded.gpu_seconds_per_day, gpu_seconds_per_day),
  max_queued = COALESCE(excluded.max_queued, max_queued),
  max_size = COALESCE(excluded.max_size, max_size),
  max_iterations = COALESCE(excluded.max_iterations, max_iterations)
`;
