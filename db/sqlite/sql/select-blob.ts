// One blob's bytes.
// Parameters: @jobId, @name.
export const selectBlob = `
SELECT bytes FROM job_blobs WHERE job_id = @jobId AND name = @name
`;
