// Queues a job's one delivery to its platform (nothing when it has one already).
// Parameters: $1 job id, $2 platform, $3 kind, $4 now.
export const queueDelivery = `
INSERT INTO outbox (job_id, platform, kind, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (job_id) DO NOTHING
`;
