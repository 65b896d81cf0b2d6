// A workspace's quota defaults row.
// Parameters: @platform, @workspaceId.
export const selectWorkspaceDefaults = `
SELECT * FROM quota_defaults WHERE platform = @platform AND workspace_id = @workspaceId
`;
