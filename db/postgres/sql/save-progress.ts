// Progress of a job the worker holds.
// Parameters: $1 id, $2 worker, $3 progress (JSON text).
export const saveProgress = `
UPDATE jobs SET progress = $3 WHERE id = $1 AND worker = $2 AND state = 'running'
`;
