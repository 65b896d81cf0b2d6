// Finished jobs before @before whose blobs are still kept.
// Parameters: @before.
export const purgeCandidates = `
SELECT * FROM jobs
WHERE state IN ('done', 'failed', 'cancelled') AND files_purged = 0 AND finished_at < @before
ORDER BY seq
`;
