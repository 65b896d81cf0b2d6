// Sets the quota defaults of a workspace that are not NULL; the others keep their value.
// Parameters: $1 platform, $2 workspace, $3 jobs per day, $4 GPU seconds per day, $5 max queued, $6 max size,
// $7 max iterations.
export const upsertWorkspaceDefaults = `
INSERT INTO quota_defaults (platform, workspace_id, jobs_per_day, gpu_seconds_per_day, max_queued, max_size, max_iterations)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (platform, workspace_id) DO UPDATE SET
  jobs_per_day = COALESCE(EXCLUDED.jobs_per_day, quota_defaults.jobs_per_day),
  gpu_seconds_per_day = COALESCE(EXCLUDED.gpu_seconds_per_day, quota_defaults.gpu_seconds_per_day),
  max_queued = COALESCE(EXCLUDED.max_queued, quota_defaults.max_queued),
  max_size = COALESCE(EXCLUDED.max_size, quota_defaults.max_size),
  max_iterations = COALESCE(EXCLUDED.max_iterations, quota_defaults.max_iterations)
`;
