// Revokes a live token (no row changed: unknown or already revoked).
// Parameters: @id, @at.
export const revokeApiToken = `
UPDATE api_tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL
`;
