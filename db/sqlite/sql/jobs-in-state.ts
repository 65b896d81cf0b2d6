// Jobs in one state, oldest acceptance first.
// Parameters: @state.
export const jobsInState = `
SELECT * FROM jobs WHERE state = @state ORDER BY seq
`;
