// A workspace's quota defaults row.
// Parameters: $1 platform, $2 workspace.
export const selectWorkspaceDefaults = `
SELECT * FROM quota_defaults WHERE platform = $1 AND workspace_id = $2
`;
