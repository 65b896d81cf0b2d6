// Progress of a job the worker holds.
// Parameters: @id, @worker, @progress (JSON text).
export const saveProgress = `
UPDATE jobs SET progress = @progress WHERE id = @id AND worker = @worker AND state = 'running'
`;
