// Claims undelivered deliveries of some platforms that are due and not claimed by a live claim,
// SKIP LOCKED so fronts claiming at once take different rows. Parameters: $1 platforms (text[]), $2 front,
// $3 now, $4 claim until, $5 limit.
export const claimDeliveries = `
UPDATE outbox SET claimed_by = $2, claimed_until = $4
WHERE id IN (
  SELECT id FROM outbox
  WHERE state = 'undelivered' AND platform = ANY($1) AND next_attempt_at <= $3
    AND (claimed_until IS NULL OR claimed_until <= $3)
  ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED)
RETURNING *
`;
