// Queues a job's one delivery to its platform (nothing when it has one already).
// Parameters: @jobId, @kind, @now.
export const queueDelivery = `
INSERT OR IGNORE INTO outbox (job_id, platform, kind, next_attempt_at, created_at)
SELECT id, platform, @kind, @now, @now FROM jobs WHERE id = @jobId
`;
