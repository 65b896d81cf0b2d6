// A job's deliveries, oldest first.
// Parameters: @jobId.
export const deliveriesOf = `
SELECT * FROM outbox WHERE job_id = @jobId ORDER BY id
`;
