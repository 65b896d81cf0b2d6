// The jobs a worker holds, in acceptance order.
// Parameters: @worker.
export const runningOfWorker = `
SELECT id FROM jobs WHERE state = 'running' AND worker = @worker ORDER BY seq
`;
