// Job pictures written by versions before blobs, as files in <legacyFilesDir>/<job id>/<name>: read when a blob is
// missing, removed when the job is purged.
import { join } from 'node:path';

/** The folder of a job (no name) or one file of it; undefined without a folder or for a name that could climb out. */
export function legacyPath(legacyFilesDir: string | undefined, jobId: string, name?: string): string | undefined {
  if (!legacyFilesDir || /[\\/]|\.\./.test(jobId) || (name !== undefined && /[\\/]|\.\./.test(name))) return undefined;
  return name === undefined ? join(legacyFilesDir, jobId) : join(legacyFilesDir, jobId, name);
}
