// undelivered -> abandoned, for the claim holder.
// Parameters: $1 id, $2 front, $3 error.
export const abandonDelivery = `
UPDATE outbox SET state = 'abandoned', attempts = attempts + 1, last_error = $3, claimed_by = NULL, claimed_until = NULL
WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'
`;
