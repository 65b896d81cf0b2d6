// The outbox on PostgreSQL: finished jobs' deliveries to their platforms, claimed by one front at a time.
import type { Delivery, DeliveryKind, Outbox } from '../../src/jobs/ports.js';
import { deliveryFromRow, type DeliveryRow } from '../rows.js';
import { changesOf, type Queryable, rowsOf } from './database.js';
import { abandonDelivery } from './sql/abandon-delivery.js';
import { claimDeliveries } from './sql/claim-deliveries.js';
import { deliveriesOf } from './sql/deliveries-of.js';
import { deliveryFailed } from './sql/delivery-failed.js';
import { markDelivered } from './sql/mark-delivered.js';
import { queueDelivery } from './sql/queue-delivery.js';
import { releaseClaims } from './sql/release-claims.js';

/** Queues a job's one delivery (inside the caller's transaction, with the state change that ends the job). */
export async function queueDeliveryOn(db: Queryable, jobId: string, platform: string, kind: DeliveryKind, now: number): Promise<void> {
  await changesOf(db, queueDelivery, [jobId, platform, kind, now]);
}

export class PostgresOutbox implements Outbox {
  constructor(private readonly db: Queryable) {}

  async claimDeliveries(platforms: string[], front: string, now: number, claimUntil: number, limit: number): Promise<Delivery[]> {
    if (!platforms.length || limit <= 0) return [];
    const rows = await rowsOf<DeliveryRow>(this.db, claimDeliveries, [platforms, front, now, claimUntil, limit]);
    return rows.map(deliveryFromRow).sort((a, b) => a.id - b.id);
  }

  async markDelivered(id: number, front: string, now: number): Promise<boolean> {
    return (await changesOf(this.db, markDelivered, [id, front, now])) === 1;
  }

  async deliveryFailed(id: number, front: string, error: string, nextAttemptAt: number): Promise<boolean> {
    return (await changesOf(this.db, deliveryFailed, [id, front, error, nextAttemptAt])) === 1;
  }

  async abandonDelivery(id: number, front: string, error: string, _now: number): Promise<boolean> {
    return (await changesOf(this.db, abandonDelivery, [id, front, error])) === 1;
  }

  releaseClaims(front: string): Promise<number> {
    return changesOf(this.db, releaseClaims, [front]);
  }

  async deliveriesOf(jobId: string): Promise<Delivery[]> {
    return (await rowsOf<DeliveryRow>(this.db, deliveriesOf, [jobId])).map(deliveryFromRow);
  }
}
