// Finished jobs before $1 whose blobs are still kept.
// Parameters: $1 before.
export const purgeCandidates = `
SELECT * FROM jobs
WHERE state IN ('done', 'failed', 'cancelled') AND NOT files_purged AND finished_at < $1
ORDER BY seq
`;
