// Fan-out of job events to the listeners of each platform. Events of one job reach a listener in order:
// the next event waits until every listener has finished with the previous one. Events of a platform that has
// no listener yet (jobs recovered at start, before the bot has connected) are held and delivered to its first one.
// Final events come from the outbox through deliver(), which reports which listeners accepted them.
import type { Job, JobEvent, JobListener, Platform } from './types.js';

const MAX_HELD = 2000;
const MAX_ENDED = 10_000;

export class JobEvents {
  private readonly listeners = new Map<Platform, Set<JobListener>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly held = new Map<Platform, { job: Job; event: JobEvent }[]>();
  private readonly observers = new Set<JobListener>();
  /** Jobs whose final event went out: a late progress event (relayed from another process) must not follow it. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly log: (message: string) => void,
    /** Called when a platform gets a listener (the outbox then looks for deliveries it can now make). */
    private readonly onListener?: (platform: Platform) => void,
    /** Hold events of platforms without a listener until one comes (false: drop them). */
    private readonly hold = true,
  ) {}

  on(platform: Platform, listener: JobListener): () => void {
    let set = this.listeners.get(platform);
    if (!set) this.listeners.set(platform, (set = new Set()));
    set.add(listener);
    const waiting = this.held.get(platform);
    this.held.delete(platform);
    for (const { job, event } of waiting ?? []) this.emit(job, event);
    this.onListener?.(platform);
    return () => set!.delete(listener);
  }

  /** Sees every event as it is emitted, of every platform; never holds or delays delivery to the listeners. */
  observe(listener: JobListener): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  /** Platforms with at least one listener in this process. */
  platforms(): Platform[] {
    return [...this.listeners].filter(([, set]) => set.size > 0).map(([platform]) => platform);
  }

  emit(job: Job, event: JobEvent): void {
    if (this.ended.has(job.id)) return;
    this.notifyObservers(job, event);
    const listeners = [...(this.listeners.get(job.platform) ?? [])];
    if (!listeners.length) {
      if (!this.hold) return;
      const waiting = this.held.get(job.platform) ?? [];
      waiting.push({ job, event });
      if (waiting.length > MAX_HELD) waiting.splice(0, waiting.length - MAX_HELD);
      this.held.set(job.platform, waiting);
      return;
    }
    void this.chain(job, event, listeners);
  }

  /**
   * Hands a final event to the platform's listeners, in order after the job's earlier events, skipping those that
   * already accepted it. Resolves with the listeners that accepted it now and those that failed (threw or rejected).
   */
  async deliver(
    job: Job,
    event: JobEvent,
    skip: ReadonlySet<JobListener> = new Set(),
  ): Promise<{ accepted: JobListener[]; failed: string[] }> {
    const listeners = [...(this.listeners.get(job.platform) ?? [])].filter((l) => !skip.has(l));
    if (!listeners.length && !skip.size) return { accepted: [], failed: ['no listener for this platform'] };
    // Observers see a final event once per process, however often the outbox offers it to the listeners.
    if (!this.ended.has(job.id)) this.notifyObservers(job, event);
    this.ended.add(job.id);
    if (this.ended.size > MAX_ENDED) this.ended.delete(this.ended.values().next().value as string);
    const results = await this.chain(job, event, listeners);
    return {
      accepted: listeners.filter((_, i) => results[i] === null),
      failed: results.filter((r): r is string => r !== null),
    };
  }

  private notifyObservers(job: Job, event: JobEvent): void {
    for (const observer of this.observers) {
      try {
        void Promise.resolve(observer(job, event)).catch((err: unknown) => this.log(`job ${job.id}: an observer failed: ${String(err)}`));
      } catch (err) {
        this.log(`job ${job.id}: an observer failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Runs the listeners after the job's previous event; each result is null (accepted) or the error message. */
  private chain(job: Job, event: JobEvent, listeners: JobListener[]): Promise<(string | null)[]> {
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const results = previous.then(() =>
      Promise.all(
        listeners.map((listener) =>
          Promise.resolve()
            .then(() => listener(job, event))
            .then(
              () => null,
              (err: unknown) => {
                const message = err instanceof Error ? err.message : String(err);
                this.log(`job ${job.id}: a ${event.type} listener failed: ${message}`);
                return message;
              },
            ),
        ),
      ),
    );
    const next = results.then(() => undefined);
    this.chains.set(job.id, next);
    void next.then(() => {
      if (this.chains.get(job.id) === next) this.chains.delete(job.id);
    });
    return results;
  }

  /** Resolves when every event emitted so far has been handled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }
}
