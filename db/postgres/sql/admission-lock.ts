// Serialises admissions of one user until the transaction ends (a second front then counts the first's job).
// Parameters: $1 the admission lock class, $2 the user's key as text.
export const admissionLock = `
SELECT pg_advisory_xact_lock($1, hashtext($2))
`;
