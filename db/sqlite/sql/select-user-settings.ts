// A user's settings row.
// Parameters: @platform, @workspaceId, @userId.
export const selectUserSettings = `
SELECT * FROM user_settings WHERE platform = @platform AND workspace_id = @workspaceId AND user_id = @userId
`;
