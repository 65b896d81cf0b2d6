// A one-line progress bar on stderr: iteration/total, loss, time per iteration and ETA.
// On a terminal it redraws in place; otherwise (a log file, a test) it prints one line per update.
import type { StylizeProgress } from '../engine/types.js';

export class ProgressBar {
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly width = 24,
  ) {}

  update(p: StylizeProgress): void {
    const filled = Math.round((p.iteration / p.total) * this.width);
    const bar = `${'='.repeat(filled)}${' '.repeat(this.width - filled)}`;
    const perIteration = p.iteration > 0 ? p.elapsedMs / p.iteration : 0;
    const line =
      `[${bar}] ${String(p.iteration).padStart(String(p.total).length)}/${p.total}` +
      `${p.scale && p.scale.count > 1 ? `  scale ${p.scale.index}/${p.scale.count} (${p.scale.size} px)` : ''}` +
      `  loss ${p.losses.total.toExponential(3)}  ${formatDuration(perIteration)}/it  ETA ${formatDuration(p.etaMs)}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\u001b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the redrawn line so later output starts on a new one. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
