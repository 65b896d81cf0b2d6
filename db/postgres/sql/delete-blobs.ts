// Deletes every blob of a job.
// Parameters: $1 job id.
export const deleteBlobs = `
DELETE FROM job_blobs WHERE job_id = $1
`;
