// Text pieces shared by the command replies and the status messages.
import type { Job } from '../src/jobs/types.js';
import { code, join, plain, type RichText, type Run, user } from './reply.js';

export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** A text progress bar such as "▓▓▓▓░░░░░░ 40%". */
export function progressBar(done: number, total: number, width = 12): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(fraction * 100)}%`;
}

export function formatNumber(n: number): string {
  if (n !== 0 && (Math.abs(n) >= 1e5 || Math.abs(n) < 1e-2)) return n.toExponential(1).replace('e+', 'e');
  return String(Math.round(n * 100) / 100);
}

/** The job's id as code: "`abc123`" on the chat platforms. */
export function jobLabel(job: Pick<Job, 'id'>): Run {
  return code(job.id);
}

/** What the job paints with: the artwork in artist mode, else the style file names. */
export function styleSummary(job: Job): RichText {
  if (job.artwork) return [user(job.artwork)];
  if (job.artist) return [user(job.artist)];
  if (job.styleNames.length > 0) return join(job.styleNames.map(user), ' + ');
  return plain('unknown style');
}

export function describeState(job: Job): string {
  switch (job.state) {
    case 'queued':
      return 'queued';
    case 'running':
      return job.progress ? `running, iteration ${job.progress.iteration}/${job.progress.total}` : 'running';
    case 'done':
      return 'done';
    case 'failed':
      return `failed (${job.error ?? 'unknown error'})`;
    case 'cancelled':
      return 'cancelled';
  }
}

/** The next UTC midnight as "HH:MM UTC" plus the time left. */
export function formatReset(resetsAt: number, now = Date.now()): string {
  return `${new Date(resetsAt).toISOString().slice(11, 16)} UTC (in ${formatDuration(resetsAt - now)})`;
}
