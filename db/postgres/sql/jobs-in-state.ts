// Jobs in one state, oldest acceptance first.
// Parameters: $1 state.
export const jobsInState = `
SELECT * FROM jobs WHERE state = $1 ORDER BY seq
`;
