// The newest audit entries.
// Parameters: $1 limit.
export const selectAudit = `
SELECT * FROM audit ORDER BY id DESC LIMIT $1
`;
