// Marks a job's blobs as removed (the row stays).
// Parameters: $1 id.
export const markPurged = `
UPDATE jobs SET files_purged = TRUE, result_path = NULL WHERE id = $1
`;
