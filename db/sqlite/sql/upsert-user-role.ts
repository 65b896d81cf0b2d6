// Sets a user's role.
// Parameters: @platform, @workspaceId, @userId, @role.
export const upsertUserRole = `
INSERT INTO user_settings (platform, workspace_id, user_id, role) VALUES (@platform, @workspaceId, @userId, @role)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET role = excluded.role
`;
