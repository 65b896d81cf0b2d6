// A user's settings row.
// Parameters: $1 platform, $2 workspace, $3 user.
export const selectUserSettings = `
SELECT * FROM user_settings WHERE platform = $1 AND workspace_id = $2 AND user_id = $3
`;
