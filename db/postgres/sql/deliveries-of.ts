// A job's deliveries, oldest first.
// Parameters: $1 job id.
export const deliveriesOf = `
SELECT * FROM outbox WHERE job_id = $1 ORDER BY id
`;
