// The live (unrevoked) token with this hash.
// Parameters: $1 hash.
export const selectApiTokenByHash = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL
`;
