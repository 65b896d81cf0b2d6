// One user's tokens, newest first.
// Parameters: @platform, @workspaceId, @userId.
export const listUserApiTokens = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE platform = @platform AND workspace_id = @workspaceId AND user_id = @userId
ORDER BY created_at DESC, id
`;
