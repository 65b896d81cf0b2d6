// Stores (or replaces) one named blob of a job.
// Parameters: $1 job id, $2 name, $3 bytes.
export const putBlob = `
INSERT INTO job_blobs (job_id, name, bytes) VALUES ($1, $2, $3)
ON CONFLICT (job_id, name) DO UPDATE SET bytes = EXCLUDED.bytes
`;
