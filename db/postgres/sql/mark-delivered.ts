// undelivered -> delivered, for the claim holder.
// Parameters: $1 id, $2 front, $3 now.
export const markDelivered = `
UPDATE outbox SET state = 'delivered', delivered_at = $3, claimed_by = NULL, claimed_until = NULL
WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'
`;
