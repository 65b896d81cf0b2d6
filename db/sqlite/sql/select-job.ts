// One job.
// Parameters: @id.
export const selectJob = `
SELECT * FROM jobs WHERE id = @id
`;
