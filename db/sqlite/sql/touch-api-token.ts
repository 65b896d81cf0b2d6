// Records a token's last use.
// Parameters: @id, @at.
export const touchApiToken = `
UPDATE api_tokens SET last_used_at = @at WHERE id = @id
`;
