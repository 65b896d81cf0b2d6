// Stores (or replaces) one named blob of a job.
// Parameters: @jobId, @name, @bytes.
export const putBlob = `
INSERT OR REPLACE INTO job_blobs (job_id, name, bytes) VALUES (@jobId, @name, @bytes)
`;
