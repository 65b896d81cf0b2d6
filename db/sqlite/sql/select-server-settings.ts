// A server's settings row.
// Parameters: @platform, @workspaceId.
export const selectServerSettings = `
SELECT allowed_channels, default_budget, default_size, results_private FROM server_settings
WHERE platform = @platform AND workspace_id = @workspaceId
`;
