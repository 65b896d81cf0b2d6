// Replaces a server's settings.
// Parameters: $1 platform, $2 workspace, $3 allowed channels (JSON array text), $4 default budget, $5 default size,
// $6 results private, $7 updated at.
export const upsertServerSettings = `
INSERT INTO server_settings (platform, workspace_id, allowed_channels, default_budget, default_size, results_private, updated_at)
VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
ON CONFLICT (platform, workspace_id) DO UPDATE SET
  allowed_channels = EXCLUDED.allowed_channels,
  default_budget = EXCLUDED.default_budget,
  default_size = EXCLUDED.default_size,
  results_private = EXCLUDED.results_private,
  updated_at = EXCLUDED.updated_at
`;
