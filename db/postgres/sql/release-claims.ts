// Drops the claims a front holds.
// Parameters: $1 front.
export const releaseClaims = `
UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1 AND state = 'undelivered'
`;
