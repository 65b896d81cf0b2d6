// Maintenance: recovery of expired leases (a worker died or lost the database: its jobs are requeued, or failed
// after the last attempt) and retention (images of old finished jobs are deleted, rows kept).
import { hostname } from 'node:os';
import type { JobRepository, Leases, Maintenance as MaintenancePort } from './ports.js';

export const MAX_ATTEMPTS = 3;

export interface MaintenanceOptions {
  /** This process's worker name: leases under it at start are left over from a previous run of ours. */
  worker: string;
  /** Blobs of jobs finished longer ago than this are deleted. */
  retentionMs: number;
  /** How often to look for expired leases. Default 5000 ms. */
  recoverEveryMs?: number;
  now: () => number;
  log: (message: string) => void;
  /** Something changed in the queue (jobs requeued or failed). */
  changed: () => void;
}

const HOUR_MS = 3_600_000;

/** True when a worker name of the default form "host:pid" names a process of this host that no longer exists. */
export function isDeadLocalWorker(worker: string): boolean {
  const m = /^(.*):(\d+)$/.exec(worker);
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class Maintenance {
  private recoverTimer?: NodeJS.Timeout;
  private retentionTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: MaintenancePort & Pick<JobRepository, 'jobsInState'> & Pick<Leases, 'heartbeat'>,
    private readonly options: MaintenanceOptions,
  ) {}

  /** First recovery (our own and dead local workers' leases end at once), first purge, then the timers. */
  async start(): Promise<void> {
    await this.recover(true);
    await this.purge();
    this.recoverTimer = setInterval(
      () => void this.recover(false).catch((e: unknown) => this.report('recovery', e)),
      this.options.recoverEveryMs ?? 5000,
    );
    this.recoverTimer.unref();
    this.retentionTimer = setInterval(() => void this.purge().catch((e: unknown) => this.report('retention', e)), HOUR_MS);
    this.retentionTimer.unref();
  }

  private report(what: string, err: unknown): void {
    this.options.log(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  /**
   * Requeues (or fails, after MAX_ATTEMPTS) running jobs whose lease ran out. Leases of a worker known dead (a
   * process of this host that is gone; at start, our own name) are ended first instead of waiting for them.
   */
  async recover(atStart: boolean): Promise<{ requeued: number; failed: number }> {
    if (this.closed) return { requeued: 0, failed: 0 };
    for (const job of await this.store.jobsInState('running')) {
      const w = job.worker;
      if (w && ((atStart && w === this.options.worker) || isDeadLocalWorker(w))) await this.store.heartbeat(job.id, w, 0);
    }
    const { requeued, failed } = await this.store.recoverExpiredLeases(
      this.options.now(),
      MAX_ATTEMPTS,
      (n) => `The job was interrupted ${n} times (the bot restarted while it was painting), so it was given up.`,
    );
    if (requeued.length || failed.length) this.options.changed();
    return { requeued: requeued.length, failed: failed.length };
  }

  /** Deletes the images of jobs finished longer ago than the retention time (rows are kept). Returns how many. */
  async purge(): Promise<number> {
    if (this.closed) return 0;
    const old = await this.store.purgeCandidates(this.options.now() - this.options.retentionMs);
    for (const job of old) await this.store.purgeJob(job.id);
    return old.length;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.recoverTimer);
    clearInterval(this.retentionTimer);
  }
}
