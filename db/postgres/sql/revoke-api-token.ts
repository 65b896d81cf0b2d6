// Revokes a live token (no row changed: unknown or already revoked).
// Parameters: $1 id, $2 at.
export const revokeApiToken = `
UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
`;
