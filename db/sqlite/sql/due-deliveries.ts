// Undelivered deliveries of some platforms that are due and not claimed by a live claim.
// Parameters: @platforms (JSON array of names), @now, @limit.
export const dueDeliveries = `
SELECT * FROM outbox
WHERE state = 'undelivered' AND platform IN (SELECT value FROM json_each(@platforms)) AND next_attempt_at <= @now
  AND (claimed_until IS NULL OR claimed_until < @now)
ORDER BY next_attempt_at, id
LIMIT @limit
`;
