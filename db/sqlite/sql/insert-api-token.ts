// A new personal API token (only its hash is stored).
// Parameters: @id, @hash, @platform, @workspaceId, @userId, @name, @scope, @createdBy, @createdAt.
export const insertApiToken = `
INSERT INTO api_tokens (id, hash, platform, workspace_id, user_id, name, scope, created_by, created_at)
VALUES (@id, @hash, @platform, @workspaceId, @userId, @name, @scope, @createdBy, @createdAt)
`;
