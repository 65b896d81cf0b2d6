// undelivered -> abandoned, for the claim holder.
// Parameters: @id, @front, @error, @now.
export const abandonDelivery = `
UPDATE outbox SET state = 'abandoned', last_error = @error, delivered_at = @now, claimed_by = NULL, claimed_until = NULL
WHERE id = @id AND claimed_by = @front AND state = 'undelivered'
`;
