// A token by id, revoked or not.
// Parameters: $1 id.
export const selectApiTokenById = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE id = $1
`;
