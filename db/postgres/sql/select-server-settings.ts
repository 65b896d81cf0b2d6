// A server's settings row.
// Parameters: $1 platform, $2 workspace.
export const selectServerSettings = `
SELECT allowed_channels, default_budget, default_size, results_private FROM server_settings
WHERE platform = $1 AND workspace_id = $2
`;
