// Every token, newest first.
// No parameters.
export const listApiTokens = `
SELECT id, platform, workspace_id, user_id, name, scope, created_by, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC, id
`;
