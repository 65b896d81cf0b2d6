// Replaces a server's settings.
// Parameters: @platform, @workspaceId, @allowedChannels (JSON array text), @defaultBudget, @defaultSize,
// @resultsPrivate (0 or 1), @updatedAt.
export const upsertServerSettings = `
INSERT INTO server_settings (platform, workspace_id, allowed_channels, default_budget, default_size, results_private, updated_at)
VALUES (@platform, @workspaceId, @allowedChannels, @defaultBudget, @defaultSize, @resultsPrivate, @updatedAt)
ON CONFLICT (platform, workspace_id) DO UPDATE SET
  allowed_channels = excluded.allowed_channels,
  default_budget = excluded.default_budget,
  default_size = excluded.default_size,
  results_private = excluded.results_private,
  updated_at = excluded.updated_at
`;
