// One user's tokens, newest first.
// Parameters: $1 platform, $2 workspaceId, $3 userId.
export const listUserApiTokens = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE platform = $1 AND workspace_id = $2 AND user_id = $3
ORDER BY created_at DESC, id
`;
