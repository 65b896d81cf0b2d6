// Text pieces shared by the command replies and the status messages (Markdown both Discord and Slack render).
import type { Job } from '../src/jobs/types.js';

/** Start and end of a user-supplied run inside neutral text (Unicode FIRST STRONG ISOLATE / POP DIRECTIONAL ISOLATE). */
export const USER_TEXT_START = '\u2068';
export const USER_TEXT_END = '\u2069';

/**
 * Marks a string a user supplied (a file name, an artist or work name, a word they typed) inside a reply, so that
 * each adapter escapes it for its platform: Slack's &, <, >; Discord's markdown. The marks are invisible isolates;
 * adapters remove them.
 */
export function userText(value: string): string {
  return `${USER_TEXT_START}${value.replace(/[\u2068\u2069]/g, '')}${USER_TEXT_END}`;
}

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

/** Neutral text without the user-text marks: what a platform without markup (the studio's JSON, logs) shows. */
export function plainText(text: string): string {
  return text.replace(/[\u2068\u2069]/g, '');
}

/** "`abc123`" */
export function jobLabel(job: Pick<Job, 'id'>): string {
  return `\`${job.id}\``;
}

/** What the job paints with: the artwork in artist mode, else the style file names. */
export function styleSummary(job: Job): string {
  if (job.artwork) return userText(job.artwork);
  if (job.artist) return userText(job.artist);
  if (job.styleNames.length > 0) return job.styleNames.map(userText).join(' + ');
  return 'unknown style';
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
