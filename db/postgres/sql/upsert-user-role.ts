// Sets a user's role.
// Parameters: $1 platform, $2 workspace, $3 user, $4 role.
export const upsertUserRole = `
INSERT INTO user_settings (platform, workspace_id, user_id, role) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role
`;
