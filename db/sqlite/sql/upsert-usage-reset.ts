// Sets when a user's usage was last reset.
// Parameters: @platform, @workspaceId, @userId, @at.
export const upsertUsageReset = `
INSERT INTO user_settings (platform, workspace_id, user_id, usage_reset_at) VALUES (@platform, @workspaceId, @userId, @at)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET usage_reset_at = excluded.usage_reset_at
`;
