// Sets the quota defaults of a workspace that are not NULL; the others keep their value.
// Parameters: @platform, @workspaceId, @jobsPerDay, @gpuSecondsPerDay, @maxQueued, @maxSize, @maxIterations.
export const upsertWorkspaceDefaults = `
INSERT INTO quota_defaults (platform, workspace_id, jobs_per_day, gpu_seconds_per_day, max_queued, max_size, max_iterations)
VALUES (@platform, @workspaceId, @jobsPerDay, @gpuSecondsPerDay, @maxQueued, @maxSize, @maxIterations)
ON CONFLICT (platform, workspace_id) DO UPDATE SET
  jobs_per_day = COALESCE(excluded.jobs_per_day, jobs_per_day),
  gpu_seconds_per_day = COALESCE(excluded.gpu_seconds_per_day, gpu_seconds_per_day),
  max_queued = COALESCE(excluded.max_queued, max_queued),
  max_size = COALESCE(excluded.max_size, max_size),
  max_iterations = COALESCE(excluded.max_iterations, max_iterations)
`;
