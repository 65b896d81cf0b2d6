// Sets when a user's usage was last reset.
// Parameters: $1 platform, $2 workspace, $3 user, $4 at.
export const upsertUsageReset = `
INSERT INTO user_settings (platform, workspace_id, user_id, usage_reset_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET usage_reset_at = EXCLUDED.usage_reset_at
`;
