// One blob's bytes.
// Parameters: $1 job id, $2 name.
export const selectBlob = `
SELECT bytes FROM job_blobs WHERE job_id = $1 AND name = $2
`;
