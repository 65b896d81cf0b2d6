// A failed try: counted, next try at $4, claim dropped.
// Parameters: $1 id, $2 front, $3 error, $4 next attempt at.
export const deliveryFailed = `
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $4, last_error = $3, claimed_by = NULL, claimed_until = NULL
WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'
`;
