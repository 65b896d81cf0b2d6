// running -> done for the lease holder.
// Parameters: @id, @worker, @result (JSON text), @gpuMs, @now.
export const completeJob = `
UPDATE jobs SET state = 'done', result = @result, gpu_ms = @gpuMs, finished_at = @now, lease_expires_at = NULL
WHERE id = @id AND worker = @worker AND state = 'running'
`;
