// One-line progress on stderr: the painting's (iteration/total, loss, time per iteration, ETA) and the weights
// download's. On a terminal the line is redrawn in place; otherwise (a log file, a test) each update is a line.
import type { StylizeProgress } from '../engine/types.js';

/** A status line redrawn in place on a terminal, printed as a new line elsewhere. */
class StatusLine {
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  show(line: string): void {
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

export class ProgressBar {
  private readonly line: StatusLine;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly width = 24,
  ) {
    this.line = new StatusLine(stream);
  }

  /** `frame`/`frames`: an animation's frame being painted (iterations then count over all frames). */
  update(p: StylizeProgress & { frame?: number; frames?: number }): void {
    const filled = Math.round((p.iteration / p.total) * this.width);
    const bar = `${'='.repeat(filled)}${' '.repeat(this.width - filled)}`;
    const perIteration = p.iteration > 0 ? p.elapsedMs / p.iteration : 0;
    const line =
      `[${bar}] ${String(p.iteration).padStart(String(p.total).length)}/${p.total}` +
      `${p.frame !== undefined ? `  frame ${p.frame}/${p.frames}` : ''}` +
      `${p.scale && p.scale.count > 1 ? `  scale ${p.scale.index}/${p.scale.count} (${p.scale.size} px)` : ''}` +
      `  loss ${p.losses.total.toExponential(3)}  ${formatDuration(perIteration)}/it  ETA ${formatDuration(p.etaMs)}`;
    this.line.show(line);
  }

  /** Ends the redrawn line so later output starts on a new one. */
  finish(): void {
    this.line.finish();
  }
}

/** "[=======       ] 40 of 80 MB" redrawn in place on a terminal (each MB); a line per 10% elsewhere (logs). */
export class DownloadBar {
  private lastShown = -1;
  private readonly line: StatusLine;

  constructor(stream: NodeJS.WriteStream) {
    this.line = new StatusLine(stream);
  }

  update(received: number, total: number | undefined): void {
    const mb = received / (1024 * 1024);
    const fraction = total ? Math.min(1, received / total) : undefined;
    const step = this.line.isTTY ? Math.floor(mb) : fraction !== undefined ? Math.floor(fraction * 10) : Math.floor(mb / 10);
    if (step === this.lastShown) return;
    this.lastShown = step;
    const width = 30;
    const filled = fraction !== undefined ? Math.round(fraction * width) : 0;
    const bar = fraction !== undefined ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ` : '';
    const of = total ? ` of ${(total / (1024 * 1024)).toFixed(0)} MB` : ' MB';
    this.line.show(`Downloading VGG-19 weights ${bar}${mb.toFixed(0)}${of}`);
  }

  finish(): void {
    this.line.finish();
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
