// Admits a job: state 'queued', the next acceptance number.
// Parameters: the job's columns by name (JSON columns as text).
export const insertJob = `
INSERT INTO jobs (id, seq, platform, workspace_id, user_id, user_name, reply, state, priority, options,
  style_names, style_files, content_file, content_name, artist, artwork, parent_id, created_at)
VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), @platform, @workspaceId, @userId, @userName, @reply,
  'queued', @priority, @options, @styleNames, @styleFiles, @contentFile, @contentName, @artist, @artwork, @parentId,
  @createdAt)
`;
