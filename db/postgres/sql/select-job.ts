// One job.
// Parameters: $1 id.
export const selectJob = `
SELECT * FROM jobs WHERE id = $1
`;
