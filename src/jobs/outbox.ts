// The outbox: every job's final status (done with its picture, failed, cancelled) is a persisted delivery, written
// in the same transaction that ended the job. A front claims the deliveries of the platforms it serves, hands
// them to the adapters (JobService.onEvents listeners), and records the outcome: delivered, or tried again later
// with exponential backoff, across restarts, until the platform accepts it or the limit passes. Past the limit
// the user is told where to find the result instead.
import type { Delivery, JobRepository, Outbox as OutboxPort } from './ports.js';
import { publicJob } from './public-job.js';
import type { JobEvents } from './events.js';
import type { Job, JobEvent, JobListener } from './types.js';

export interface OutboxOptions {
  /** This front's name in claims (STYLEBOT_FRONT_NAME, default the host name). */
  front: string;
  /** How often to look for due deliveries (also after every local job end). Default 1000 ms. */
  pollMs?: number;
  /** A claim lasts this long; a delivery attempt is given up (and retried) after 80% of it. Default 120000 ms. */
  claimMs?: number;
  /** Backoff of the n-th retry: base * 2^(n-1), at most retryMaxMs. Defaults 5000 and 300000 ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Give up after this many failed tries or this long after the job ended. Defaults 30 and 24 h. */
  maxAttempts?: number;
  giveUpAfterMs?: number;
  now: () => number;
  log: (message: string) => void;
}

export interface OutboxCounters {
  delivered: number;
  retried: number;
  abandoned: number;
}

export class Outbox {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deliveringIds = new Set<number>();
  private closed = false;
  /** Listeners that already accepted a delivery (in this process), so a retry does not repeat it to them. */
  private readonly acceptedBy = new Map<number, Set<JobListener>>();
  readonly counters: OutboxCounters = { delivered: 0, retried: 0, abandoned: 0 };
  private readonly o: Required<Omit<OutboxOptions, 'front' | 'now' | 'log'>> & OutboxOptions;

  constructor(
    private readonly store: OutboxPort & Pick<JobRepository, 'getJob' | 'getBlob'>,
    private readonly events: JobEvents,
    options: OutboxOptions,
  ) {
    this.o = {
      pollMs: 1000,
      claimMs: 120_000,
      retryBaseMs: 5000,
      retryMaxMs: 300_000,
      maxAttempts: 30,
      giveUpAfterMs: 86_400_000,
      ...options,
    };
  }

  /** Drops the claims this front held before a restart (nothing of them is in progress now) and starts polling. */
  async start(): Promise<void> {
    if (this.timer || this.closed) return;
    await this.store.releaseClaims(this.o.front);
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (coalesced with a pass already running). */
  kick(): void {
    if (this.closed || !this.timer) return;
    this.again = true;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when no pass is running or asked for and no delivery is in flight. */
  async idle(): Promise<void> {
    while (this.running || this.inFlight.size) await Promise.all([this.running, ...this.inFlight]);
  }

  private async drain(): Promise<void> {
    while (this.again && !this.closed) {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.o.log(`outbox: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async pass(): Promise<void> {
    const platforms = this.events.platforms();
    if (!platforms.length) return;
    const now = this.o.now();
    const batch = await this.store.claimDeliveries(platforms, this.o.front, now, now + this.o.claimMs, 32);
    // Each delivery runs on its own: one that waits out a platform's outage does not hold up the others.
    for (const d of batch) {
      if (this.deliveringIds.has(d.id)) continue; // our own claim came back (e.g. released by a restart elsewhere)
      this.deliveringIds.add(d.id);
      const run = this.deliverOne(d)
        .catch((err: unknown) => this.o.log(`outbox: delivery of job ${d.jobId}: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (this.inFlight.delete(run), this.deliveringIds.delete(d.id)));
      this.inFlight.add(run);
    }
    if (batch.length === 32) this.again = true;
  }

  private async deliverOne(d: Delivery): Promise<void> {
    const record = await this.store.getJob(d.jobId);
    const event = record && (await this.eventOf(d, record));
    if (!record || !event) {
      await this.store.abandonDelivery(d.id, this.o.front, 'the job or its picture is gone', this.o.now());
      this.counters.abandoned++;
      return;
    }
    const job = publicJob(record);
    const skip = this.acceptedBy.get(d.id) ?? new Set<JobListener>();
    const outcome = await withTimeout(this.events.deliver(job, event, skip), this.o.claimMs * 0.8);
    for (const l of outcome?.accepted ?? []) skip.add(l);
    const error = outcome ? outcome.failed[0] : `no answer within ${Math.round((this.o.claimMs * 0.8) / 1000)} s`;
    const now = this.o.now();
    if (error === undefined) {
      this.acceptedBy.delete(d.id);
      await this.store.markDelivered(d.id, this.o.front, now);
      this.counters.delivered++;
      return;
    }
    this.acceptedBy.set(d.id, skip);
    const attempts = d.attempts + 1;
    if (attempts >= this.o.maxAttempts || now - d.createdAt >= this.o.giveUpAfterMs) {
      this.acceptedBy.delete(d.id);
      await this.store.abandonDelivery(d.id, this.o.front, error, now);
      this.counters.abandoned++;
      this.o.log(`outbox: gave up delivering the ${d.kind} of job ${d.jobId} after ${attempts} tries: ${error}`);
      // Best effort, once: a short text is more likely to get through than the picture that did not.
      void this.events.deliver(job, { type: 'undeliverable', kind: d.kind, message: undeliverableText(job, d.kind) });
      return;
    }
    const delay = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (attempts - 1));
    await this.store.deliveryFailed(d.id, this.o.front, error, now + delay);
    this.counters.retried++;
  }

  private async eventOf(d: Delivery, job: Job & { cancelledBy?: string }): Promise<JobEvent | undefined> {
    if (d.kind === 'failed') return { type: 'failed', error: job.error ?? 'The job failed.' };
    if (d.kind === 'cancelled') return { type: 'cancelled', by: job.cancelledBy ?? 'an admin' };
    const png = await this.store.getBlob(job.id, 'result.png');
    return png ? { type: 'done', png } : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.idle();
  }
}

/** What the user is told when a job's final message could not be posted. */
export function undeliverableText(job: Job, kind: Delivery['kind']): string {
  if (kind === 'done') {
    return `Job ${job.id} is finished, but its picture could not be posted here. See it with /jobs, or open job ${job.id} in the studio.`;
  }
  return `Job ${job.id} ended (${kind}), but this message could not be updated. See /jobs for its state.`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
