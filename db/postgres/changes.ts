// LISTEN for the store's change notifications (the triggers of migration 002): a job's state, progress or lease
// holder changed, or a delivery was queued. One dedicated connection per process; it reconnects by itself, and
// after a reconnect tells the listener to look at the store again, since notifications sent while it was away
// are lost (PostgreSQL does not queue them for absent listeners).
import type pg from 'pg';
import type { StoreJobChange, StoreWatchHandlers } from '../../src/jobs/ports.js';
import { createClient, type PostgresOptions } from './database.js';

/** Payload of channel stylebot_jobs (see stylebot_job_notify()). */
export type JobChange = StoreJobChange;

/** Payload of channel stylebot_outbox: a delivery was queued. */
export interface DeliveryQueued {
  id: number;
  platform: string;
}

export type ChangeHandlers = StoreWatchHandlers;

const CHANNELS = { stylebot_jobs: 'job', stylebot_outbox: 'delivery' } as const;
const MAX_BACKOFF_MS = 5_000;

export class ChangeFeed {
  private client: pg.Client | null = null;
  private closed = false;
  private backoffMs = 100;
  private retryTimer?: NodeJS.Timeout;

  private constructor(
    private readonly options: PostgresOptions,
    private readonly handlers: ChangeHandlers,
    private readonly log: (message: string) => void,
  ) {}

  /** Connects and LISTENs; rejects when the first connection fails (later losses are retried with backoff). */
  static async listen(
    options: PostgresOptions,
    handlers: ChangeHandlers,
    log: (message: string) => void = () => undefined,
  ): Promise<ChangeFeed> {
    const feed = new ChangeFeed(options, handlers, log);
    await feed.connect();
    return feed;
  }

  private async connect(): Promise<void> {
    const client = createClient({ ...this.options, applicationName: `${this.options.applicationName ?? 'stylebot'} listen` });
    client.on('notification', (message) => this.dispatch(message.channel, message.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    await client.query(
      Object.keys(CHANNELS)
        .map((c) => `LISTEN ${c}`)
        .join('; '),
    );
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = 100;
  }

  private dispatch(channel: string, payload: string | undefined): void {
    if (!payload) return;
    try {
      const kind = CHANNELS[channel as keyof typeof CHANNELS];
      if (kind === 'job') this.handlers.job?.(JSON.parse(payload) as JobChange);
      else if (kind === 'delivery') this.handlers.delivery?.(JSON.parse(payload) as DeliveryQueued);
    } catch (err) {
      this.log(`change feed: ${channel} handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.log(`change feed: connection lost (${err.message}); reconnecting`);
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => this.handlers.resync?.(),
        (err: Error) => {
          this.log(`change feed: reconnect failed (${err.message})`);
          this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
          this.scheduleReconnect();
        },
      );
    }, this.backoffMs);
    this.retryTimer.unref();
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
