// Drops the claims a front holds.
// Parameters: @front.
export const releaseClaims = `
UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = @front AND state = 'undelivered'
`;
