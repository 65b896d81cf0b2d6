// One audit entry; before and after as JSON text or NULL.
// Parameters: @at, @actorPlatform, @actorWorkspace, @actorUser, @action, @target, @before, @after.
export const insertAudit = `
INSERT INTO audit (at, actor_platform, actor_workspace, actor_user, action, target, before, after)
VALUES (@at, @actorPlatform, @actorWorkspace, @actorUser, @action, @target, @before, @after)
`;
