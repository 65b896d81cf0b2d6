// Fan-out of job events to the listeners of each platform. Events of one job reach a listener in order:
// the next event waits until every listener has finished with the previous one. Events of a platform that has
// no listener yet (jobs recovered at start, before the bot has connected) are held and delivered to its first one.
import type { Job, JobEvent, JobListener, Platform } from './types.js';

const MAX_HELD = 2000;

export class JobEvents {
  private readonly listeners = new Map<Platform, Set<JobListener>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly held = new Map<Platform, { job: Job; event: JobEvent }[]>();
  private readonly observers = new Set<JobListener>();

  constructor(private readonly log: (message: string) => void) {}

  on(platform: Platform, listener: JobListener): () => void {
    let set = this.listeners.get(platform);
    if (!set) this.listeners.set(platform, (set = new Set()));
    set.add(listener);
    const waiting = this.held.get(platform);
    this.held.delete(platform);
    for (const { job, event } of waiting ?? []) this.emit(job, event);
    return () => set!.delete(listener);
  }

  /** Sees every event as it is emitted, of every platform; never holds or delays delivery to the listeners. */
  observe(listener: JobListener): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  emit(job: Job, event: JobEvent): void {
    for (const observer of this.observers) {
      try {
        void Promise.resolve(observer(job, event)).catch((err: unknown) => this.log(`job ${job.id}: an observer failed: ${String(err)}`));
      } catch (err) {
        this.log(`job ${job.id}: an observer failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const listeners = [...(this.listeners.get(job.platform) ?? [])];
    if (!listeners.length) {
      const waiting = this.held.get(job.platform) ?? [];
      waiting.push({ job, event });
      if (waiting.length > MAX_HELD) waiting.splice(0, waiting.length - MAX_HELD);
      this.held.set(job.platform, waiting);
      return;
    }
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous.then(() =>
      Promise.all(
        listeners.map((listener) =>
          Promise.resolve()
            .then(() => listener(job, event))
            .catch((err: unknown) =>
              this.log(`job ${job.id}: a ${event.type} listener failed: ${err instanceof Error ? err.message : String(err)}`),
            ),
        ),
      ).then(() => undefined),
    );
    this.chains.set(job.id, next);
    void next.then(() => {
      if (this.chains.get(job.id) === next) this.chains.delete(job.id);
    });
  }

  /** Resolves when every event emitted so far has been handled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }
}
