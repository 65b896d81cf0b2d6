// The queue as the scheduler sees it, in acceptance order.
// No parameters.
export const queuedJobs = `
SELECT id, seq, priority, platform, workspace_id, user_id FROM jobs WHERE state = 'queued' ORDER BY seq
`;
