// Sets the quota fields of a user that are not NULL; the others keep their value.
// Parameters: $1 platform, $2 workspace, $3 user, $4 jobs per day, $5 GPU seconds per day, $6 max queued,
// $7 max size, $8 max iterations.
export const upsertUserQuota = `
INSERT INTO user_settings (platform, workspace_id, user_id, jobs_per_day, gpu_seconds_per_day, max_queued, max_size, max_iterations)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET
  jobs_per_day = COALESCE(EXCLUDED.jobs_per_day, user_settings.jobs_per_day),
  gpu_seconds_per_day = COALESCE(EXCLUDED.gpu_seconds_per_day, user_settings.gpu_seconds_per_day),
  max_queued = COALESCE(EXCLUDED.max_queued, user_settings.max_queued),
  max_size = COALESCE(EXCLUDED.max_size, user_settings.max_size),
  max_iterations = COALESCE(EXCLUDED.max_iterations, user_settings.max_iterations)
`;
