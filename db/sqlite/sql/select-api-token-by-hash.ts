// The live (unrevoked) token with this hash.
// Parameters: @hash.
export const selectApiTokenByHash = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens WHERE hash = @hash AND revoked_at IS NULL
`;
