// A user's usage as admission reads it: jobs and engine ms since $4 (the day's start or the user's last reset, whichever
// is later), jobs queued now.
// Parameters: $1 platform, $2 workspace, $3 user, $4 since.
export const admissionCounts = `
SELECT
  COUNT(*) FILTER (WHERE created_at >= $4 AND state IN ('queued', 'running', 'done'))::bigint AS jobs_today,
  COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done' AND finished_at >= $4), 0)::bigint AS gpu_ms_today,
  COUNT(*) FILTER (WHERE state = 'queued')::bigint AS queued_now
FROM jobs WHERE platform = $1 AND workspace_id = $2 AND user_id = $3
`;
