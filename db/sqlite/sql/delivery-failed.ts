// A failed try: counted, next try at @nextAttemptAt, claim dropped.
// Parameters: @id, @front, @error, @nextAttemptAt.
export const deliveryFailed = `
UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @nextAttemptAt, claimed_by = NULL,
  claimed_until = NULL
WHERE id = @id AND claimed_by = @front AND state = 'undelivered'
`;
