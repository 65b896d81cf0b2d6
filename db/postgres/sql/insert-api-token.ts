// A new personal API token (only its hash is stored).
// Parameters: $1 id, $2 hash, $3 platform, $4 workspaceId, $5 userId, $6 name, $7 scope, $8 createdBy, $9 createdAt.
export const insertApiToken = `
INSERT INTO api_tokens (id, hash, platform, workspace_id, user_id, name, scope, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
`;
