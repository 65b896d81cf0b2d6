// Deletes every blob of a job.
// Parameters: @jobId.
export const deleteBlobs = `
DELETE FROM job_blobs WHERE job_id = @jobId
`;
