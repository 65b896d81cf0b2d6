// undelivered -> delivered, for the claim holder.
// Parameters: @id, @front, @now.
export const markDelivered = `
UPDATE outbox SET state = 'delivered', delivered_at = @now, claimed_by = NULL, claimed_until = NULL
WHERE id = @id AND claimed_by = @front AND state = 'undelivered'
`;
