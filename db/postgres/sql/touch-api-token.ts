// Records a token's last use.
// Parameters: $1 id, $2 at.
export const touchApiToken = `
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1
`;
