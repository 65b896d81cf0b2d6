// Whether the server is a read-only standby.
// No parameters.
export const isStandby = `
SELECT pg_is_in_recovery() AS standby
`;
