// Marks a job's blobs as removed (the row stays).
// Parameters: @id.
export const markPurged = `
UPDATE jobs SET files_purged = 1, result_path = NULL WHERE id = @id
`;
