// The outbox on SQLite: finished jobs' deliveries to their platforms, claimed by one front at a time.
import type { Delivery, DeliveryKind, Outbox } from '../../src/jobs/ports.js';
import { deliveryFromRow, type DeliveryRow } from '../rows.js';
import type { SqliteConnection } from './connection.js';
import { abandonDelivery } from './sql/abandon-delivery.js';
import { claimDelivery } from './sql/claim-delivery.js';
import { deliveriesOf } from './sql/deliveries-of.js';
import { deliveryFailed } from './sql/delivery-failed.js';
import { dueDeliveries } from './sql/due-deliveries.js';
import { markDelivered } from './sql/mark-delivered.js';
import { queueDelivery } from './sql/queue-delivery.js';
import { releaseClaims } from './sql/release-claims.js';

/** Queues a job's one delivery (inside the caller's transaction, with the state change that ends the job). */
export function queueDeliveryNow(c: SqliteConnection, jobId: string, kind: DeliveryKind, now: number): void {
  c.sql(queueDelivery).run({ jobId, kind, now });
}

export class SqliteOutbox implements Outbox {
  constructor(private readonly c: SqliteConnection) {}

  claimDeliveries(platforms: string[], front: string, now: number, claimUntil: number, limit: number): Promise<Delivery[]> {
    if (!platforms.length) return Promise.resolve([]);
    return this.c.write(
      this.c.tx(() => {
        const rows = this.c.sql(dueDeliveries).all({ platforms: JSON.stringify(platforms), now, limit }) as DeliveryRow[];
        for (const r of rows) this.c.sql(claimDelivery).run({ id: r.id, front, claimUntil });
        return rows.map((r) => deliveryFromRow({ ...r, claimed_by: front, claimed_until: claimUntil }));
      }),
    );
  }

  markDelivered(id: number, front: string, now: number): Promise<boolean> {
    return this.c.write(() => this.c.sql(markDelivered).run({ id, front, now }).changes === 1);
  }

  deliveryFailed(id: number, front: string, error: string, nextAttemptAt: number): Promise<boolean> {
    return this.c.write(() => this.c.sql(deliveryFailed).run({ id, front, error, nextAttemptAt }).changes === 1);
  }

  abandonDelivery(id: number, front: string, error: string, now: number): Promise<boolean> {
    return this.c.write(() => this.c.sql(abandonDelivery).run({ id, front, error, now }).changes === 1);
  }

  releaseClaims(front: string): Promise<number> {
    return this.c.write(() => this.c.sql(releaseClaims).run({ front }).changes);
  }

  deliveriesOf(jobId: string): Promise<Delivery[]> {
    return this.c.read(() => (this.c.sql(deliveriesOf).all({ jobId }) as DeliveryRow[]).map(deliveryFromRow));
  }
}
