// Admits a job (state 'queued'; seq from its identity column).
// Parameters: $1 id, $2 platform, $3 workspace, $4 user, $5 user name, $6 reply, $7 priority, $8 options, $9 style names, $10 style files (JSON text), $11 content file, $12 content name, $13 artist, $14 artwork, $15 parent id, $16 created at.
export const insertJob = `
INSERT INTO jobs (id, platform, workspace_id, user_id, user_name, reply, state, priority, options, style_names,
  style_files, content_file, content_name, artist, artwork, parent_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING *
`;
