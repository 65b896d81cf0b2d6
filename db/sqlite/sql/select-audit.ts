// The newest audit entries.
// Parameters: @limit.
export const selectAudit = `
SELECT * FROM audit ORDER BY id DESC LIMIT @limit
`;
