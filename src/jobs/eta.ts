// The time left of a running job, measured on the job itself. The engine's own estimate divides everything since
// the start (loading the pictures, style targets, the first, slower iteration) by the work of one iteration, and so
// showed "13m 28s left" at the first preview of a job that took 1 min 50 s.

/** One progress report: elapsed wall time (ms) and the share of the run's work done (0..1, pixel-weighted). */
export interface WorkSample {
  elapsedMs: number;
  workDone: number;
}

/**
 * Time left from the rate between the first progress report and the latest: (1 - done) x dt / d(done), in ms.
 * The first report is only the baseline (it carries the set-up), so the estimate starts at the second one. Setting
 * up later scales falls between reports and is counted, as it is real time the job spends.
 */
export class MeasuredTimeLeft {
  private first: WorkSample | null = null;

  /** Records a report; returns ms left (>= 0), or undefined while there is no measured rate yet. */
  update(sample: WorkSample): number | undefined {
    if (!Number.isFinite(sample.elapsedMs) || !Number.isFinite(sample.workDone)) return undefined;
    if (sample.workDone >= 1) return 0;
    if (!this.first) {
      this.first = sample;
      return undefined;
    }
    const work = sample.workDone - this.first.workDone;
    const time = sample.elapsedMs - this.first.elapsedMs;
    if (work <= 0 || time <= 0) return undefined;
    return Math.round(((1 - sample.workDone) * time) / work);
  }
}
