// Changes other processes make, pushed by a store that announces them (PostgreSQL's LISTEN/NOTIFY): a front shows
// the start and progress of jobs painted on other hosts at once, a worker stops a job cancelled elsewhere at once,
// and everyone looks at the queue and the outbox when they change. Without such a store the service polls instead
// (relayRemoteProgress). Final events (done, failed, cancelled) are not emitted here: they come from the outbox.
import { PREVIEW_BLOB, type JobRepository, type StoreJobChange } from './ports.js';
import { publicJob } from './public-job.js';
import type { Job, JobEvent } from './types.js';

export interface RemoteEventsHooks {
  /** This process's worker name: changes of jobs it paints itself are its own runner's to report. */
  worker: string;
  /** True when this process's runner is painting the job. */
  paintingHere(jobId: string): boolean;
  /** True when this process has listeners for the platform (a front serving it). */
  serves(platform: string): boolean;
  /** Stop a job this process paints (it was cancelled by another process). */
  stopHere(jobId: string): void;
  emit(job: Job, event: JobEvent): void;
  /** The queue changed: positions, a look for work. */
  changed(): void;
  /** A delivery was queued: a look at the outbox. */
  kickOutbox(): void;
  log(message: string): void;
}

/** What was last told of a job painted elsewhere. */
interface Seen {
  attempts: number;
  iteration: number | null;
}

export class RemoteEvents {
  private readonly seen = new Map<string, Seen>();
  /** Per job, the read-and-emit in progress, so events of one job stay in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Pick<JobRepository, 'getJob' | 'getBlob'>,
    private readonly hooks: RemoteEventsHooks,
  ) {}

  /** One notification: see the module comment for what it leads to. */
  jobChanged(change: StoreJobChange): void {
    const { id, state } = change;
    if (state !== 'running') {
      this.seen.delete(id);
      if (state === 'cancelled' && this.hooks.paintingHere(id)) this.hooks.stopHere(id);
      this.hooks.changed();
      return;
    }
    if (change.worker === this.hooks.worker || !this.hooks.serves(change.platform)) return;
    const before = this.seen.get(id);
    const started = !before || before.attempts !== change.attempts;
    const progressed = change.iteration !== null && change.iteration !== before?.iteration;
    if (!started && !progressed) return;
    this.seen.set(id, { attempts: change.attempts, iteration: change.iteration });
    if (started) this.hooks.changed();
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => this.relay(id, started, progressed))
      .catch((err: unknown) => {
        this.hooks.log(`job ${id}: remote progress: ${err instanceof Error ? err.message : String(err)}`);
      });
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  private async relay(id: string, started: boolean, progressed: boolean): Promise<void> {
    const record = await this.store.getJob(id);
    if (!record || record.state !== 'running') return;
    const job = publicJob(record);
    if (started) this.hooks.emit(job, { type: 'started' });
    if (progressed && record.progress) {
      const preview = await this.store.getBlob(id, PREVIEW_BLOB);
      this.hooks.emit(
        job,
        preview ? { type: 'progress', progress: record.progress, preview } : { type: 'progress', progress: record.progress },
      );
    }
  }

  deliveryQueued(): void {
    this.hooks.kickOutbox();
  }

  /** The change feed reconnected: what changed meanwhile is read by a full look at the store. */
  resync(): void {
    this.hooks.changed();
    this.hooks.kickOutbox();
  }

  /** Resolves when every relay started so far has emitted. */
  async settled(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }
}
