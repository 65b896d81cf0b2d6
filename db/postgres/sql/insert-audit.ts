// One audit entry; before and after as JSON text or NULL.
// Parameters: $1 at, $2 actor platform, $3 actor workspace, $4 actor user, $5 action, $6 target, $7 before, $8 after.
export const insertAudit = `
INSERT INTO audit (at, actor_platform, actor_workspace, actor_user, action, target, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
`;
