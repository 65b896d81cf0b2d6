// Claims one delivery for a front.
// Parameters: @id, @front, @claimUntil.
export const claimDelivery = `
UPDATE outbox SET claimed_by = @front, claimed_until = @claimUntil WHERE id = @id
`;
